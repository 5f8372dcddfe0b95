import { describe, expect, it } from 'vitest';
import { prettyLogLine } from '../src/serve/pretty-log.js';
import { serveBanner, shellQuote, type BannerFacts } from '../src/serve/serve-banner.js';

const TOKEN = 'hl_0123456789abcdef_SECRETSECRETSECRETSECRET';
const base: BannerFacts = {
  url: 'http://127.0.0.1:8080',
  dataDir: '.data',
  database: 'SQLite .data/hashline.db',
  dataDirFlag: '',
  newAdminToken: null,
  adminTokenFile: null,
  adminTokenFromEnv: false,
  demo: { state: 'off' },
};

describe('serve banner', () => {
  it('says "create the first staff account" only while none exists (issue 17)', () => {
    const first = serveBanner({ ...base, staffAccounts: 0 });
    expect(first).toContain('Create the first staff account');
    const later = serveBanner({ ...base, staffAccounts: 2 });
    expect(later).not.toContain('Create the first staff account');
    expect(later).toContain('2 staff accounts exist; add another');
    expect(later).toContain('--role analyst');
    expect(serveBanner({ ...base, staffAccounts: 1 })).toContain('One staff account exists');
  });

  it('with JSON logs (stdout goes to a log collector), never prints a new token (issue 15)', () => {
    const text = serveBanner({
      ...base,
      newAdminToken: TOKEN,
      adminTokenFile: '.data/initial-admin-token',
      jsonLogs: true,
      demo: { state: 'present', queryFile: '.data/demo/landscape-1-blurred.jpg' },
    });
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('SECRET');
    expect(text).toContain('its token is in .data/initial-admin-token');
    expect(text).toContain('--key-file .data/initial-admin-token');
  });

  it('first start with the demo: the key once, the files, and two commands that show a hit', () => {
    const text = serveBanner({
      ...base,
      newAdminToken: TOKEN,
      adminTokenFile: '.data/initial-admin-token',
      demo: {
        state: 'seeded',
        folder: '.data/demo/',
        queryFile: '.data/demo/landscape-1-blurred.jpg',
        files: [
          { name: 'landscape-1.jpg', role: 'bank', description: 'a landscape' },
          { name: 'landscape-1-blurred.jpg', role: 'query', description: 'blurred: matches' },
        ],
      },
    });
    expect(text).toContain('Hashline is running at http://127.0.0.1:8080');
    expect(text).toContain('API docs:  http://127.0.0.1:8080/docs');
    expect(text).toContain(`Admin API key, shown this once`);
    expect(text).toContain(`A copy is in .data/initial-admin-token`);
    expect(text).toContain('landscape-1.jpg          in the bank: a landscape');
    expect(text).toContain(
      `npx hashline match .data/demo/landscape-1-blurred.jpg --server http://127.0.0.1:8080 --key ${TOKEN}\n`,
    );
    expect(text).toContain(
      `curl -s http://127.0.0.1:8080/v1/match/media -H 'Authorization: Bearer ${TOKEN}' -F file=@.data/demo/landscape-1-blurred.jpg\n`,
    );
    expect(text).not.toContain('api-key create');
  });

  it('a later start shows no key: it points to the key file and says how to create a key', () => {
    const text = serveBanner({
      ...base,
      dataDirFlag: ' --data-dir /srv/hashline',
      adminTokenFile: '/srv/hashline/initial-admin-token',
      demo: { state: 'present', queryFile: '/srv/hashline/demo/landscape-1-blurred.jpg' },
    });
    expect(text).not.toContain('hl_');
    expect(text).toContain('API keys exist already, so no key was created');
    expect(text).toContain(
      'npx hashline api-key create --name <who> --scopes admin --data-dir /srv/hashline',
    );
    expect(text).toContain('--key-file /srv/hashline/initial-admin-token');
    expect(text).toContain('-H "Authorization: Bearer $(cat /srv/hashline/initial-admin-token)"');
  });

  it('uses HASHLINE_ADMIN_TOKEN when it provides the key, and explains a demo that was not seeded', () => {
    const env = serveBanner({
      ...base,
      adminTokenFromEnv: true,
      demo: { state: 'present', queryFile: 'd/x.jpg' },
    });
    expect(env).toContain('--key "$HASHLINE_ADMIN_TOKEN"');
    const notSeeded = serveBanner({
      ...base,
      demo: { state: 'not-seeded', reason: 'this data folder is not new' },
    });
    expect(notSeeded).toContain('--demo: this data folder is not new');
    expect(notSeeded).not.toContain('npx hashline match');
  });

  it('quotes paths for the shell only when needed', () => {
    expect(shellQuote('.data/demo/a.jpg')).toBe('.data/demo/a.jpg');
    expect(shellQuote("/tmp/my data/it's.jpg")).toBe(`'/tmp/my data/it'\\''s.jpg'`);
  });
});

describe('pretty log lines', () => {
  it('prints request lines compactly and never fields outside the whitelist', () => {
    const time = new Date(2026, 0, 2, 3, 4, 5).getTime();
    expect(
      prettyLogLine(
        JSON.stringify({
          level: 30,
          time,
          msg: 'request',
          method: 'POST',
          route: '/v1/match',
          status: 200,
          ms: 3.1,
          key: 'ab12',
        }),
      ),
    ).toBe('03:04:05 INFO  POST /v1/match 200 3.1 ms key=ab12\n');
    const line = prettyLogLine(
      JSON.stringify({
        level: 50,
        time,
        msg: 'unexpected error',
        req: { headers: { authorization: 'Bearer hl_x_secret' } },
        err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at x' },
      }),
    );
    expect(line).toBe('03:04:05 ERROR unexpected error  error=boom\n');
    expect(prettyLogLine('not json')).toBe('not json\n');
  });
});
