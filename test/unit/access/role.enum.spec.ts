import { GRANTABLE_ROLES, highestRole, Role, roleSatisfies } from '../../../src/access/role.enum';

const ASCENDING = [Role.None, Role.Reader, Role.Operator, Role.Admin];

describe('Role', () => {
  describe(roleSatisfies.name, () => {
    it.each(ASCENDING.flatMap((granted, g) => ASCENDING.map((required, r) => [granted, required, g >= r] as const)))(
      '%s satisfies %s: %s',
      (granted, required, expected) => {
        expect(roleSatisfies(granted, required)).toBe(expected);
      },
    );
  });

  describe(highestRole.name, () => {
    it('is none for no roles', () => {
      expect(highestRole([])).toBe(Role.None);
    });

    it('picks the highest whatever the order', () => {
      expect(highestRole([Role.Reader, Role.Admin, Role.Operator])).toBe(Role.Admin);
    });
  });

  it('never lets configuration grant "none"', () => {
    expect(GRANTABLE_ROLES).toEqual([Role.Reader, Role.Operator, Role.Admin]);
  });
});
