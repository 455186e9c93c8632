import { dateImage, dateSchema1, isDated } from '../../src/registry/dating';
import { offeredDates, imageAt } from '../../src/plan/snapshot';
import type { CatalogImage } from '../../src/plan/catalog';

const CREATED = 'org.opencontainers.image.created';

describe('dating precedence: annotation, index annotation, label, config created', () => {
  const all = {
    manifestAnnotations: { [CREATED]: '2026-11-04T10:00:00Z' },
    indexAnnotations: { [CREATED]: '2026-11-03T10:00:00Z' },
    config: { created: '2026-11-01T10:00:00Z', labels: { [CREATED]: '2026-11-02T10:00:00Z' } },
  };

  it('takes the image manifest annotation first', () => {
    expect(dateImage(all)).toEqual({ created: '2026-11-04T10:00:00.000Z', source: 'annotation' });
  });

  it('then the annotation of the index the image came from', () => {
    expect(dateImage({ ...all, manifestAnnotations: {} })).toEqual({
      created: '2026-11-03T10:00:00.000Z',
      source: 'index annotation',
    });
  });

  it('then the label of the same name', () => {
    expect(dateImage({ ...all, manifestAnnotations: {}, indexAnnotations: undefined })).toEqual({
      created: '2026-11-02T10:00:00.000Z',
      source: 'label',
    });
  });

  it("then the config's created", () => {
    expect(
      dateImage({ manifestAnnotations: {}, config: { created: '2026-11-01T10:00:00+02:00', labels: {} } }),
    ).toEqual({ created: '2026-11-01T08:00:00.000Z', source: 'config' });
  });

  it('reads nanosecond precision as RFC 3339 allows', () => {
    expect(
      dateImage({
        manifestAnnotations: {},
        config: { created: '2026-11-01T10:00:00.123456789Z', labels: {} },
      }),
    ).toEqual({ created: '2026-11-01T10:00:00.123Z', source: 'config' });
  });

  it.each([
    '1970-01-01T00:00:00Z',
    '1980-01-01T00:00:01Z',
    '0001-01-01T00:00:00Z',
    'yesterday',
    // No offset: Date.parse would read it in this machine's time zone.
    '2026-11-30T23:30:00',
    '2026-11-30',
    // No such day or time: Date.parse would roll it over into the next day or month.
    '2026-11-31T08:00Z',
    '2026-02-29T10:00:00Z',
    '2026-11-30T24:00:00Z',
  ])('skips %s and falls through to the next source', (bad) => {
    expect(
      dateImage({
        manifestAnnotations: { [CREATED]: bad },
        config: { created: '2026-11-01T10:00:00Z', labels: { [CREATED]: bad } },
      }),
    ).toEqual({ created: '2026-11-01T10:00:00.000Z', source: 'config' });
  });

  it('leaves an image with only implausible dates undated, saying why', () => {
    const d = dateImage({
      manifestAnnotations: {},
      config: { created: '1970-01-01T00:00:00Z', labels: { [CREATED]: '1980-01-01T00:00:00Z' } },
    });
    expect(isDated(d)).toBe(false);
    expect(d).toEqual({
      reason:
        'no plausible creation date (label "1980-01-01T00:00:00Z": before 1990; config "1970-01-01T00:00:00Z": before 1990)',
    });
  });

  it('says why each date was no date: no offset, no such day', () => {
    expect(
      dateImage({
        manifestAnnotations: { [CREATED]: '2026-11-31T08:00Z' },
        config: { labels: { [CREATED]: '2026-11-30T23:30:00' } },
      }),
    ).toEqual({
      reason:
        'no plausible creation date (annotation "2026-11-31T08:00Z": no such day or time; label "2026-11-30T23:30:00": no UTC offset (Z or ±hh:mm))',
    });
  });

  it('reads an offset as the instant it names, whatever the local time zone', () => {
    expect(
      dateImage({
        manifestAnnotations: { [CREATED]: '2026-11-30T23:30:00-02:00' },
        config: { labels: {} },
      }),
    ).toEqual({ created: '2026-12-01T01:30:00.000Z', source: 'annotation' });
    expect(
      dateImage({ manifestAnnotations: { [CREATED]: '2026-11-30T08:00Z' }, config: { labels: {} } }),
    ).toEqual({ created: '2026-11-30T08:00:00.000Z', source: 'annotation' });
  });

  it('leaves an image without any date undated', () => {
    expect(dateImage({ manifestAnnotations: {}, config: { labels: {} } })).toEqual({
      reason: 'the image has no creation date',
    });
  });

  it('leaves an image dated more than a day ahead of this clock undated (a builder with a wrong clock)', () => {
    const now = Date.parse('2026-11-28T12:00:00Z');
    const at = (created: string) =>
      dateImage({ manifestAnnotations: {}, config: { created, labels: {} }, now });
    expect(at('2026-11-29T11:00:00Z')).toEqual({ created: '2026-11-29T11:00:00.000Z', source: 'config' });
    // Provisional: tomorrow it may be plausible, so it must not be cached as undated.
    expect(at('2026-11-29T13:00:00Z')).toEqual({
      reason: 'no plausible creation date (config "2026-11-29T13:00:00Z": in the future)',
      provisional: true,
    });
    expect(at('1970-01-01T00:00:00Z')).not.toHaveProperty('provisional');
    expect(at('2999-01-01T00:00:00+01:00')).toEqual({
      reason: 'no plausible creation date (config "2999-01-01T00:00:00+01:00": in the future)',
      provisional: true,
    });
    // An expanded year is no RFC 3339 date at all (and never becomes one).
    expect(at('+275760-09-13T00:00:00Z')).toEqual({
      reason: 'no plausible creation date (config "+275760-09-13T00:00:00Z": not an RFC 3339 date)',
    });
  });

  it('counts 1990-01-01 itself as plausible', () => {
    expect(
      dateImage({ manifestAnnotations: {}, config: { created: '1990-01-01T00:00:00Z', labels: {} } }),
    ).toEqual({
      created: '1990-01-01T00:00:00.000Z',
      source: 'config',
    });
  });
});

const v1 = (created: unknown) => JSON.stringify({ id: 'x', created });

describe('schema1', () => {
  it('takes the newest v1Compatibility.created of all layers', () => {
    expect(
      dateSchema1([v1('2026-11-20T10:00:00Z'), v1('2026-11-21T09:00:00Z'), v1('2026-10-01T00:00:00Z')]),
    ).toEqual({ created: '2026-11-21T09:00:00.000Z', source: 'schema1' });
  });

  it('ignores unreadable entries and implausible dates', () => {
    expect(dateSchema1(['not json', v1('1970-01-01T00:00:00Z'), v1('2026-11-20T10:00:00Z')])).toEqual({
      created: '2026-11-20T10:00:00.000Z',
      source: 'schema1',
    });
    expect(dateSchema1([v1('1970-01-01T00:00:00Z')])).toEqual({
      reason: 'no plausible creation date (schema1 "1970-01-01T00:00:00Z": before 1990)',
    });
    expect(dateSchema1([])).toEqual({ reason: 'the schema1 manifest has no creation date' });
  });
});

const image = (tag: string, created: string): CatalogImage => ({ tag, digest: `sha256:${tag}`, created });

describe('dates as calendar days in a time zone', () => {
  // 23:30 UTC on Nov 5: still Nov 5 in New York, already Nov 6 in Berlin and Tokyo.
  const late = [image('late', '2026-11-05T23:30:00.000Z')];

  it.each([
    ['UTC', '2026-11-05'],
    ['America/New_York', '2026-11-05'],
    ['Europe/Berlin', '2026-11-06'],
    ['Asia/Tokyo', '2026-11-06'],
  ])('offers the image of 23:30 UTC on %s as %s', (tz, day) => {
    expect(offeredDates([{ images: late }], 10, tz)).toEqual([day]);
    expect(imageAt(late, day, tz).kind).toBe('of-that-day');
  });

  it('merges two UTC days into one local day, and keeps the later image for it', () => {
    const images = [image('b', '2026-11-06T01:00:00.000Z'), image('a', '2026-11-05T23:00:00.000Z')];
    expect(offeredDates([{ images }], 10, 'UTC')).toEqual(['2026-11-06', '2026-11-05']);
    expect(offeredDates([{ images }], 10, 'Europe/Berlin')).toEqual(['2026-11-06']);
    const choice = imageAt(images, '2026-11-06', 'Europe/Berlin');
    expect(choice.kind === 'of-that-day' && choice.image.tag).toBe('b');
  });

  it('handles the day daylight saving time ends', () => {
    // Europe/Berlin leaves summer time on 2026-10-25 (UTC+2 -> UTC+1): 22:30 UTC is still the
    // 25th there, 23:30 UTC the 26th. In summer both would be the 26th.
    expect(offeredDates([{ images: [image('x', '2026-10-25T22:30:00.000Z')] }], 10, 'Europe/Berlin')).toEqual(
      ['2026-10-25'],
    );
    expect(offeredDates([{ images: [image('y', '2026-10-25T23:30:00.000Z')] }], 10, 'Europe/Berlin')).toEqual(
      ['2026-10-26'],
    );
  });
});
