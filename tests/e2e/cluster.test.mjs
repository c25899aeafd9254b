// Cluster mode end to end: two replicas on one Redis behind HAProxy, the
// TURN role in its own process. Two browsers land on different replicas and
// make a relay-only call; then both replicas are restarted one after the
// other, as a rolling update does. The pages must keep their IDs (resumed on
// the other replica with its state handed over), never hear peerLeft, keep
// the call, and keep signaling across replicas afterwards. The steps share
// the cluster, the browsers and the call, in order.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster } from './support/cluster.mjs';
import { metric } from './support/switchboard.mjs';
import { launchBrowser, closeBrowser, openUser, peerStats } from './support/browser.mjs';
import { descendants } from './support/processes.mjs';
import {
  startClient, callRelayed, waitPhase, expectVideoFlowing, expectRelayed,
} from './support/client.mjs';
import { waitUntil } from './support/wait.mjs';

// Every action the page's WebSockets receive, and every close code they see.
function recordSignaling() {
  window.__signaling = { actions: [], closes: [] };
  const WS = window.WebSocket;
  window.WebSocket = class extends WS {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (ev) => {
        try { window.__signaling.actions.push(JSON.parse(ev.data).action); } catch { /* not JSON */ }
      });
      this.addEventListener('close', (ev) => window.__signaling.closes.push(ev.code));
    }
  };
}

const stateOf = (page) => page.evaluate(() => {
  const { signaling, call } = window.switchboard;
  return {
    id: signaling.id, state: signaling.state, generation: signaling.generation,
    phase: call.phase, ...window.__signaling,
  };
});

const connections = (cluster, name) => metric(cluster.replica(name), 'switchboard_connections');
const handoffs = (cluster, name, kind) =>
  metric(cluster.replica(name), 'switchboard_cluster_handoffs_total', `kind="${kind}"`);

describe('cluster: two replicas behind HAProxy', () => {
  let cluster;
  let browser;
  let a;
  let b;
  let idA;
  let idB;
  let home = {};  // the replica each page started on
  let pcsBefore;

  before(async () => {
    cluster = await startCluster();
    browser = await launchBrowser();
    a = await openUser(browser, { init: recordSignaling });
    b = await openUser(browser, { init: recordSignaling });
  });

  after(async () => {
    try {
      if (browser) await closeBrowser(browser);
    } finally {
      if (cluster) {
        const exits = await cluster.stop();
        for (const [what, exit] of Object.entries(exits)) {
          assert.deepEqual(exit, { code: 0, signal: null }, `${what} exited 0`);
        }
        assert.deepEqual(descendants().map((p) => `${p.pid} ${p.comm}`), [], 'no process left behind');
      }
    }
  });

  // The replica (HAProxy name) with exactly `n` open WebSockets, the others
  // having none.
  async function onlyReplicaWith(n) {
    return waitUntil(async () => {
      const counts = {};
      for (const name of cluster.replicas.keys()) counts[name] = await connections(cluster, name);
      const busy = Object.keys(counts).filter((name) => counts[name] > 0);
      return busy.length === 1 && counts[busy[0]] === n && busy[0];
    }, { timeoutMs: 5000, what: `one replica with ${n} connection(s), the other with none` });
  }

  test('pages on different replicas complete a relay-only call', async () => {
    idA = await startClient(a, cluster.url, { relayOnly: true });
    home.a = await onlyReplicaWith(1);
    // leastconn: the second page's WebSocket goes to the replica without one.
    idB = await startClient(b, cluster.url, { relayOnly: true });
    home.b = [...cluster.replicas.keys()].find((name) => name !== home.a);
    await waitUntil(async () => (await connections(cluster, home.a)) === 1 && (await connections(cluster, home.b)) === 1,
      { timeoutMs: 5000, what: 'one WebSocket on each replica' });
    assert.notEqual(idA, idB);

    await callRelayed(a, b, idA, idB);
    // The offer, answer and candidates crossed Redis, both ways.
    for (const name of [home.a, home.b]) {
      assert.ok(await metric(cluster.replica(name), 'switchboard_cluster_messages_published_total') > 0,
        `replica ${name} published to the other`);
    }
    pcsBefore = [(await peerStats(a)).count, (await peerStats(b)).count];
  });

  test('a rolling restart of both replicas: the pages resume their IDs, no peerLeft, the call carries on', async () => {
    // A's replica first: A is closed with 1001 and resumes on B's replica,
    // which takes A's peer over from the draining one.
    assert.deepEqual(await cluster.restart(home.a), { code: 0, signal: null }, `replica ${home.a} drained and exited 0`);
    await a.waitForSelector('#signaling-badge[data-state="ready"]', { timeout: 20_000 });
    let sa = await stateOf(a);
    assert.equal(sa.id, idA, 'A kept its ID');
    assert.equal(sa.generation, 2, 'A started once and resumed once');
    assert.deepEqual(sa.closes, [1001], 'A was closed by the drain');
    assert.equal(await handoffs(cluster, home.b, 'in'), 1, `replica ${home.b} took A over`);
    assert.equal(await handoffs(cluster, home.b, 'timed_out'), 0);
    assert.equal(await onlyReplicaWith(2), home.b, `both pages on replica ${home.b}`);

    // Then B's replica: both pages move to the restarted A replica.
    assert.deepEqual(await cluster.restart(home.b), { code: 0, signal: null }, `replica ${home.b} drained and exited 0`);
    for (const page of [a, b]) await page.waitForSelector('#signaling-badge[data-state="ready"]', { timeout: 20_000 });
    await waitUntil(async () => (await handoffs(cluster, home.a, 'in')) === 2,
      { timeoutMs: 10_000, what: `replica ${cluster.replicas.get(home.a).nodeId} to count two hand-offs in` });
    assert.equal(await handoffs(cluster, home.a, 'timed_out'), 0);
    assert.equal(await onlyReplicaWith(2), home.a, `both pages on replica ${home.a}`);

    sa = await stateOf(a);
    const sb = await stateOf(b);
    assert.equal(sa.id, idA, 'A kept its ID');
    assert.equal(sb.id, idB, 'B kept its ID');
    assert.equal(sa.generation, 3, 'A resumed twice');
    assert.equal(sb.generation, 2, 'B resumed once');
    assert.deepEqual(sa.closes, [1001, 1001]);
    assert.deepEqual(sb.closes, [1001]);
    for (const [s, who] of [[sa, 'A'], [sb, 'B']]) {
      assert.ok(!s.actions.includes('peerLeft'), `${who} never heard peerLeft (${s.actions})`);
      assert.equal(s.phase, 'connected', `${who} is still in the call`);
    }
    await expectVideoFlowing(a, 'A after the rolling restart');
    await expectVideoFlowing(b, 'B after the rolling restart');
    assert.deepEqual([(await peerStats(a)).count, (await peerStats(b)).count], pcsBefore,
      'the same RTCPeerConnections carried on');
  });

  test('after the restarts: B moves to the new replica and signaling crosses replicas again', async () => {
    // B drops its socket as its liveness check would (4100 keeps the ID);
    // leastconn sends the reconnect to the restarted replica with none.
    await b.evaluate(() => window.switchboard.signaling.ws.close(4100, 'test'));
    await waitUntil(async () => (await handoffs(cluster, home.b, 'in')) === 1,
      { timeoutMs: 10_000, what: `replica ${cluster.replicas.get(home.b).nodeId} to take B over` });
    await b.waitForSelector('#signaling-badge[data-state="ready"]', { timeout: 20_000 });
    assert.equal((await stateOf(b)).id, idB, 'B kept its ID');
    assert.equal(await connections(cluster, home.a), 1);
    assert.equal(await connections(cluster, home.b), 1);

    // An ICE restart: offer and answer go through both replicas and Redis.
    const before = [await peerStats(a), await peerStats(b)];
    await a.evaluate(() => window.switchboard.call.restartIce('test'));
    await waitUntil(async () => {
      const [sa, sb] = [await peerStats(a), await peerStats(b)];
      return sa.signaling === 'stable' && sb.signaling === 'stable' &&
        sa.localUfrag !== before[0].localUfrag && sb.localUfrag !== before[1].localUfrag &&
        sa.ice === 'connected' && sb.ice === 'connected';
    }, { timeoutMs: 20_000, what: 'the ICE restart answered across replicas' });
    await expectVideoFlowing(b, 'B after the ICE restart');
    await expectRelayed(b, 'B after the ICE restart');

    await b.click('#hangup');
    await waitPhase(a, 'ended', 10_000);
    assert.match(await a.textContent('#notice'), new RegExp(`${idB}.*hung up`));
    for (const [page, who] of [[a, 'A'], [b, 'B']]) {
      assert.ok(!(await stateOf(page)).actions.includes('peerLeft'), `${who} never heard peerLeft`);
    }
    assert.deepEqual([...a.errors, ...b.errors], [], 'no uncaught page errors');
  });
});
