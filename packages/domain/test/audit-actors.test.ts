import { describe, expect, it } from 'vitest';
import { auditActorName, type AuditActorDirectory } from '../src/hotline/audit-actors.js';

const directory: AuditActorDirectory = {
  analysts: [{ id: 'an_1', username: 'ann', displayName: 'Ann Peeters' }],
  apiKeys: [{ id: 'k1', name: 'platform-x' }],
};

describe('audit actor names (issue 17: the log showed raw ids)', () => {
  it('names staff accounts, API keys and system jobs', () => {
    expect(auditActorName('an_1', directory)).toBe('Ann Peeters (ann)');
    expect(auditActorName('apikey:k1', directory)).toBe('API key "platform-x"');
    expect(auditActorName('system:retention', directory)).toBe('system (retention)');
    expect(auditActorName(null, directory)).toBeNull();
    // Bank changes name API keys `api-key:<id>` and the four-eyes publication both analysts.
    expect(auditActorName('api-key:k1', directory)).toBe('API key "platform-x"');
    expect(auditActorName('hotline:an_1+an_2', directory)).toBe(
      'four eyes: Ann Peeters (ann) and an_2 (unknown account)',
    );
  });

  it('marks ids that no longer name anyone instead of hiding them', () => {
    expect(auditActorName('apikey:gone', directory)).toBe('API key gone (no longer exists)');
    expect(auditActorName('an_9', directory)).toBe('an_9 (unknown account)');
  });
});
