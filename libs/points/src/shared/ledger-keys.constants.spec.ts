import { grantOwnerId, parseGrantOwnerId } from './ledger-keys.constants';

describe('parseGrantOwnerId', () => {
  const campaign = '0b8f6c1e-5d2a-4c3b-9e7f-1a2b3c4d5e6f';
  const member = 'f1e2d3c4-b5a6-4978-8877-665544332211';

  it('reads back what grantOwnerId wrote', () => {
    expect(parseGrantOwnerId(grantOwnerId(campaign, member))).toEqual({ campaignId: campaign, memberId: member });
  });

  it('accepts an owner id written with an upper-case campaign id (a run started with the URL spelling) and lower-cases it', () => {
    expect(parseGrantOwnerId(grantOwnerId(campaign.toUpperCase(), member))).toEqual({ campaignId: campaign, memberId: member });
  });

  it('refuses what is not a grant owner id', () => {
    expect(parseGrantOwnerId(campaign)).toBeNull();
    expect(parseGrantOwnerId(`${campaign}:${member}:x`)).toBeNull();
    expect(parseGrantOwnerId(`${campaign}:not-a-member-id-but-thirty-six-chars`)).toBeNull();
  });
});
