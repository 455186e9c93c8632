import { storyImages, storyImagesOf, storyApps } from '../../src/sandbox/story';
import { imageAt, offeredDates } from '../../src/plan/snapshot';
import { dayIn } from '../../src/plan/days';

// The demo only proves something if its data tells the product's story; pin that story here.
describe('the demo story', () => {
  const now = new Date('2026-11-28T00:20:00Z'); // just after midnight: "today" must still be today
  const images = storyImages(now);
  const develop = (repo: string) => storyImagesOf(images, repo, 'develop');
  const today = dayIn(now, 'UTC');
  const yesterday = dayIn(now.getTime() - 86400000, 'UTC');
  const threeDaysAgo = dayIn(now.getTime() - 3 * 86400000, 'UTC');

  it('changed every service today, frontend and api yesterday, billing three days ago', () => {
    for (const repo of ['shop/frontend', 'shop/api', 'shop/billing']) {
      expect(dayIn(develop(repo)[0]!.created, 'UTC')).toBe(today);
    }
    expect(imageAt(develop('shop/frontend'), yesterday, 'UTC').kind).toBe('of-that-day');
    expect(imageAt(develop('shop/api'), yesterday, 'UTC').kind).toBe('of-that-day');
    expect(imageAt(develop('shop/billing'), yesterday, 'UTC')).toEqual({
      kind: 'earlier',
      image: expect.objectContaining({ tag: develop('shop/billing')[1]!.tag }),
      day: threeDaysAgo,
    });
  });

  it('offers yesterday and today among the dates, all within two weeks', () => {
    const repos = ['shop/frontend', 'shop/api', 'shop/billing'].map((r) => ({ images: develop(r) }));
    const dates = offeredDates(repos, 10, 'UTC');
    expect(dates.slice(0, 2)).toEqual([today, yesterday]);
    expect(dates.every((d) => d >= dayIn(now.getTime() - 14 * 86400000, 'UTC'))).toBe(true);
  });

  it('runs every environment on its newest image, with decoys beside them', () => {
    const apps = storyApps(now);
    const devApi = apps.find((a) => a.id === '/ds/dev/shop/api')!;
    expect(devApi.tag).toBe(develop('shop/api')[0]!.tag);
    expect(apps.find((a) => a.id === '/ds/prod/shop/api')!.tag).toMatch(/-master$/);
    expect(apps.filter((a) => a.decoy).map((a) => a.id)).toEqual([
      '/ds/dev/shop/gateway-api',
      '/ds/dev2/shop/api',
    ]);
  });
});
