import { ObjectBatches } from '../../src/kubernetes/batches';

/** One patch per object for the containers a rollout changes together, on plain data. */

function batches() {
  const sent: Array<[string, string[]]> = [];
  const b = new ObjectBatches<string, number>(async (object, changes) => {
    sent.push([object, [...changes]]);
    return sent.length;
  });
  return { b, sent };
}

/** Lets every pending promise callback run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('ObjectBatches', () => {
  it('holds a change back until every workload of its object in work has asked for its own', async () => {
    const { b, sent } = batches();
    b.begin('deployment/shop', 'api');
    b.begin('deployment/shop', 'billing');
    const api = b.add('deployment/shop', 'api', 'api→1.6');
    await settle();
    expect(sent).toEqual([]);
    const billing = b.add('deployment/shop', 'billing', 'billing→1.4');
    expect(await Promise.all([api, billing])).toEqual([1, 1]);
    expect(sent).toEqual([['deployment/shop', ['api→1.6', 'billing→1.4']]]);
  });

  it('sends what it holds once the others end without a change of their own', async () => {
    const { b, sent } = batches();
    b.begin('deployment/shop', 'api');
    b.begin('deployment/shop', 'billing');
    const api = b.add('deployment/shop', 'api', 'api→1.6');
    b.end('deployment/shop', 'billing'); // e.g. it was already on its target, or drifted
    expect(await api).toBe(1);
    expect(sent).toEqual([['deployment/shop', ['api→1.6']]]);
  });

  it('never waits for another object, nor for a workload that was not begun', async () => {
    const { b, sent } = batches();
    b.begin('deployment/web', 'web');
    await b.add('deployment/shop', 'api', 'api→1.6');
    expect(sent).toEqual([['deployment/shop', ['api→1.6']]]);
  });

  it('starts a new batch for a change after the object was sent (a revert after the rollback)', async () => {
    const { b, sent } = batches();
    b.begin('deployment/shop', 'api');
    await b.add('deployment/shop', 'api', 'api→1.6');
    b.end('deployment/shop', 'api');
    b.begin('deployment/shop', 'api');
    await b.add('deployment/shop', 'api', 'api→1.7');
    expect(sent.map(([, changes]) => changes)).toEqual([['api→1.6'], ['api→1.7']]);
  });

  it('hands a refused patch to every change it carried', async () => {
    const b = new ObjectBatches<string, number>(() => Promise.reject(new Error('422 Invalid')));
    b.begin('deployment/shop', 'api');
    b.begin('deployment/shop', 'billing');
    const api = b.add('deployment/shop', 'api', 'a');
    const billing = b.add('deployment/shop', 'billing', 'b');
    await expect(api).rejects.toThrow('422 Invalid');
    await expect(billing).rejects.toThrow('422 Invalid');
  });
});
