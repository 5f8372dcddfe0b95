/** What the start-up message of `hashline serve` says; paths are already as they should be shown. */
export interface BannerFacts {
  /** Base URL clients on this machine use (loopback even when listening on all interfaces). */
  readonly url: string;
  /** Where it listens, when that differs from `url` (e.g. `0.0.0.0:8080`). */
  readonly listening?: string;
  readonly dataDir: string;
  /** `SQLite .data/hashline.db` or `PostgreSQL` (never a URL: it may hold a password). */
  readonly database: string;
  /** Flags that point a CLI command at this data folder (`--data-dir x`), or '' for the default. */
  readonly dataDirFlag: string;
  /** The token of the admin key created by this start; printed once. */
  readonly newAdminToken: string | null;
  /** Where that token (or the first start's) was saved, if the file is still there. */
  readonly adminTokenFile: string | null;
  /**
   * Log lines are JSON (`--log-format json`): stdout goes to a log collector, so a new token is
   * never printed; the message points to the file it was saved in instead.
   */
  readonly jsonLogs?: boolean;
  /** The admin key comes from HASHLINE_ADMIN_TOKEN. */
  readonly adminTokenFromEnv: boolean;
  /**
   * How many staff accounts (analysts, admins) exist: with none, the banner says how to create the
   * first; with some, it says how to add another. `null` when the store keeps no hotline tables.
   */
  readonly staffAccounts?: number | null;
  /** The demo: seeded now, present from an earlier start, or asked for but not seeded. */
  readonly demo:
    | {
        readonly state: 'seeded';
        readonly folder: string;
        readonly queryFile: string;
        readonly files: readonly { name: string; role: string; description: string }[];
      }
    | { readonly state: 'present'; readonly queryFile: string }
    | { readonly state: 'not-seeded'; readonly reason: string }
    | { readonly state: 'off' };
}

/**
 * The friendly start-up message of `hashline serve`: where the server and its docs are, the admin
 * key when one was just created (shown this once), and, with the demo, two commands to paste that
 * show a match. A later start never shows a key; it says how to get one.
 */
export function serveBanner(facts: BannerFacts): string {
  const lines: string[] = [''];
  lines.push(
    `  Hashline is running at ${facts.url}${facts.listening ? `  (listening on ${facts.listening})` : ''}`,
  );
  lines.push(`  API docs:  ${facts.url}/docs`);
  lines.push(`  Data:      ${facts.dataDir}  (${facts.database})`);
  lines.push('');
  lines.push(`  Report form (public):       ${facts.url}/report`);
  lines.push(`  Self-submission (public):   ${facts.url}/`);
  lines.push(`  Analyst workbench (staff):  ${facts.url}/workbench`);
  const staff = facts.staffAccounts ?? 0;
  if (staff === 0) {
    lines.push('  Create the first staff account (asks for a password):');
    lines.push(
      `    npx hashline analyst create --username <you> --name "<Your Name>" --role admin${facts.dataDirFlag}`,
    );
  } else {
    lines.push(
      `  ${staff === 1 ? 'One staff account exists' : `${staff} staff accounts exist`}; add another (asks for a password):`,
    );
    lines.push(
      `    npx hashline analyst create --username <name> --name "<Full Name>" --role analyst${facts.dataDirFlag}`,
    );
  }
  lines.push('');

  // How the example commands pass the key: `hashline match` flags and the curl header.
  let key: string;
  let header: string;
  if (facts.newAdminToken !== null && facts.jsonLogs === true && facts.adminTokenFile) {
    lines.push(
      `  Created an admin API key; its token is in ${facts.adminTokenFile} (readable by you only), not printed: logs are JSON.`,
    );
    key = `--key-file ${shellQuote(facts.adminTokenFile)}`;
    header = `"Authorization: Bearer $(cat ${shellQuote(facts.adminTokenFile)})"`;
  } else if (facts.newAdminToken !== null) {
    lines.push('  Admin API key, shown this once: keep it somewhere safe.');
    lines.push(`    ${facts.newAdminToken}`);
    if (facts.adminTokenFile) {
      lines.push(
        `  A copy is in ${facts.adminTokenFile} (readable by you only): delete it once the key is stored.`,
      );
    }
    key = `--key ${facts.newAdminToken}`;
    header = `'Authorization: Bearer ${facts.newAdminToken}'`;
  } else if (facts.adminTokenFromEnv) {
    lines.push('  Admin API key: the one in HASHLINE_ADMIN_TOKEN.');
    key = '--key "$HASHLINE_ADMIN_TOKEN"';
    header = '"Authorization: Bearer $HASHLINE_ADMIN_TOKEN"';
  } else {
    lines.push('  API keys exist already, so no key was created (keys are shown only when created).');
    if (facts.adminTokenFile) {
      lines.push(
        `  The first admin key is still in ${facts.adminTokenFile}; delete that file once it is stored.`,
      );
      key = `--key-file ${shellQuote(facts.adminTokenFile)}`;
      header = `"Authorization: Bearer $(cat ${shellQuote(facts.adminTokenFile)})"`;
    } else {
      key = '--key <your key>';
      header = "'Authorization: Bearer <your key>'";
    }
    lines.push('  Create another key (its token is printed once):');
    lines.push(`    npx hashline api-key create --name <who> --scopes admin${facts.dataDirFlag}`);
  }
  lines.push('');

  const demo = facts.demo;
  if (demo.state === 'seeded') {
    const width = Math.max(...demo.files.map((f) => f.name.length));
    lines.push(
      `  Demo bank "demo" (kind test): the hashes of ${demo.files.filter((f) => f.role === 'bank').length} generated landscapes. Files in ${demo.folder}:`,
    );
    for (const file of demo.files) {
      lines.push(
        `    ${file.name.padEnd(width)}  ${file.role === 'bank' ? 'in the bank: ' : ''}${file.description}`,
      );
    }
    lines.push('');
  }
  if (demo.state === 'seeded' || demo.state === 'present') {
    const file = shellQuote(demo.queryFile);
    lines.push('  Try it in another terminal, from this folder: match a blurred copy of a demo photo');
    lines.push(`    npx hashline match ${file} --server ${facts.url} ${key}`);
    lines.push('  or upload it (the server hashes it and drops the bytes):');
    lines.push(`    curl -s ${facts.url}/v1/match/media -H ${header} -F file=@${file}`);
    lines.push('');
  } else if (demo.state === 'not-seeded') {
    lines.push(`  --demo: ${demo.reason}`);
    lines.push('');
  }
  lines.push('  Ctrl-C stops the server. Requests are logged below.');
  lines.push('');
  return lines.join('\n') + '\n';
}

/** Quotes a path for a POSIX shell when it holds anything but safe characters. */
export function shellQuote(text: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}
