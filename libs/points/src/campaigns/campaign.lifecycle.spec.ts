import { actionsFrom, CAMPAIGN_LIFECYCLE, CampaignAction, CampaignStatus, nextStatus } from './campaign.lifecycle';

describe('campaign lifecycle (declared as data)', () => {
  it('walks the happy path draft → approved → distributing → open → closed → settled', () => {
    const path: [CampaignAction, CampaignStatus][] = [
      ['approve', CampaignStatus.Approved],
      ['start_distribution', CampaignStatus.Distributing],
      ['open_window', CampaignStatus.Open],
      ['close_window', CampaignStatus.Closed],
      ['settle', CampaignStatus.Settled],
    ];
    let status = CampaignStatus.Draft;
    for (const [action, expected] of path) {
      status = nextStatus(status, action);
      expect(status).toBe(expected);
    }
  });

  it('lets only a draft or approved campaign be cancelled', () => {
    expect(nextStatus(CampaignStatus.Draft, 'cancel')).toBe(CampaignStatus.Cancelled);
    expect(nextStatus(CampaignStatus.Approved, 'cancel')).toBe(CampaignStatus.Cancelled);
    for (const s of [CampaignStatus.Distributing, CampaignStatus.Open, CampaignStatus.Closed, CampaignStatus.Settled, CampaignStatus.Cancelled]) {
      expect(() => nextStatus(s, 'cancel')).toThrow(expect.objectContaining({ code: 'INVALID_TRANSITION', status: 409 }));
    }
  });

  it('refuses every transition the table does not list, naming what would be allowed', () => {
    const statuses = Object.values(CampaignStatus);
    const actions = Object.keys(CAMPAIGN_LIFECYCLE) as CampaignAction[];
    for (const s of statuses) {
      for (const a of actions) {
        const allowed = CAMPAIGN_LIFECYCLE[a].from.includes(s);
        if (allowed) expect(nextStatus(s, a)).toBe(CAMPAIGN_LIFECYCLE[a].to);
        else {
          try {
            nextStatus(s, a);
            throw new Error(`${s} --${a}--> should be refused`);
          } catch (err) {
            expect(err).toMatchObject({ code: 'INVALID_TRANSITION', details: { status: s, action: a, allowedFrom: CAMPAIGN_LIFECYCLE[a].from } });
          }
        }
      }
    }
  });

  it('has no way out of settled or cancelled', () => {
    expect(actionsFrom(CampaignStatus.Settled)).toEqual([]);
    expect(actionsFrom(CampaignStatus.Cancelled)).toEqual([]);
    expect(actionsFrom(CampaignStatus.Draft, 'admin').sort()).toEqual(['approve', 'cancel']);
  });
});
