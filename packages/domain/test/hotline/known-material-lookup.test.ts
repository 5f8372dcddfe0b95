// The capture's known-material lookup with PDQ variants: a captured copy whose rotated or trimmed
// hash is near a banked one is known material, naming nothing else; without variants it is not.
import { describe, expect, it } from 'vitest';
import { createKnownMaterialLookup } from '@hashline/domain';
import { flipBits, randomPdq, seeded, setup } from '../support.js';

describe('createKnownMaterialLookup', () => {
  it('matches through pdqVariants (a trim or rotation hash), in known_csam banks only', async () => {
    const { banks, engine } = await setup();
    const next = seeded(180);
    const banked = randomPdq(next);
    await banks.createBank({ name: 'known', kind: 'known_csam' });
    const { created } = await banks.addEntries('known', [{ signalType: 'pdq', value: banked }], 't');
    const lookup = createKnownMaterialLookup(engine, banks);
    const captured = { pdq: randomPdq(next), md5: '0'.repeat(31) + '1', sha256: '0'.repeat(63) + '1' };
    expect(await lookup(captured)).toBeNull();
    const found = await lookup({
      ...captured,
      pdqVariants: [
        { name: 'rot90', value: randomPdq(next) },
        { name: 'trim', value: flipBits(banked, 7, next) },
      ],
    });
    expect(found).toMatchObject({
      entryId: created[0]!.id,
      signalType: 'pdq',
      distance: 7,
      bankName: 'known',
    });
  });
});
