import { imageAt, offeredDates, newestFirst } from '../../src/plan/snapshot';
import type { CatalogImage } from '../../src/plan/catalog';

const img = (tag: string, created: string): CatalogImage => ({
  tag,
  digest: `sha256:${tag.replace(/\W/g, '')}`,
  created,
});

/** One image per day from 2026-11-01 for `days` days, at noon UTC. */
const daily = (name: string, days: number) =>
  newestFirst(
    Array.from({ length: days }, (_, i) =>
      img(`${name}-${i + 1}-develop`, `2026-11-${String(i + 1).padStart(2, '0')}T12:00:00.000Z`),
    ),
  );

describe('imageAt', () => {
  it('takes the image built on the chosen day', () => {
    const choice = imageAt(daily('a', 20), '2026-11-07', 'UTC');
    expect(choice).toEqual({ kind: 'of-that-day', image: expect.objectContaining({ tag: 'a-7-develop' }) });
  });

  it('fills a service that did not change with its newest earlier image', () => {
    const b = [img('b-3', '2026-11-03T12:00:00.000Z')];
    expect(imageAt(b, '2026-11-07', 'UTC')).toEqual({ kind: 'earlier', image: b[0], day: '2026-11-03' });
  });

  it('takes the later of two images of the same day', () => {
    const images = newestFirst([
      img('morning', '2026-11-05T08:00:00.000Z'),
      img('evening', '2026-11-05T20:00:00.000Z'),
    ]);
    const choice = imageAt(images, '2026-11-05', 'UTC');
    expect(choice.kind === 'of-that-day' && choice.image.tag).toBe('evening');
  });

  it('reports none when every image is newer than the day', () => {
    expect(imageAt(daily('a', 5), '2026-10-31', 'UTC')).toEqual({ kind: 'none' });
  });

  it('counts the day in the catalog time zone', () => {
    // 23:30 UTC on the 5th is already the 6th in Berlin.
    const images = [img('late', '2026-11-05T23:30:00.000Z')];
    expect(imageAt(images, '2026-11-05', 'UTC').kind).toBe('of-that-day');
    expect(imageAt(images, '2026-11-05', 'Europe/Berlin').kind).toBe('none');
    expect(imageAt(images, '2026-11-06', 'Europe/Berlin').kind).toBe('of-that-day');
  });
});

describe('offeredDates', () => {
  it('offers the union of the days of each repository newest images, newest first', () => {
    const a = daily('a', 20);
    const b = [img('b-3', '2026-11-03T12:00:00.000Z')];
    const c = [img('c-7', '2026-11-07T12:00:00.000Z')];
    const days = offeredDates([{ images: a }, { images: b }, { images: c }], 10, 'UTC');
    expect(days.slice(0, 10)).toEqual(Array.from({ length: 10 }, (_, i) => `2026-11-${String(20 - i)}`));
    expect(days.slice(10)).toEqual(['2026-11-07', '2026-11-03']);
    // Day 7 is offered because of C, and A's day-7 image is what a rollback to it must take,
    // although it is not among A's newest 10.
    expect(imageAt(a, '2026-11-07', 'UTC')).toEqual({ kind: 'of-that-day', image: a[13] });
  });

  it('never offers a day twice', () => {
    const a = newestFirst([img('x', '2026-11-05T01:00:00.000Z'), img('y', '2026-11-05T02:00:00.000Z')]);
    expect(offeredDates([{ images: a }, { images: a }], 10, 'UTC')).toEqual(['2026-11-05']);
  });
});
