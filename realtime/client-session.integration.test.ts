import type { RedisClient } from "@/lib/redis/client";
import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { log } from "../lib/log";
import { addActivePatrol, removeActivePatrol } from "../lib/patrols/state-plane";
import { createRedis, keyHolders } from "../lib/redis/client";
import { clusterLayout, lastStatusKey, patrolChannel, patrolLastFrameKey } from "../lib/redis/keys";
import { encodeTelemetryFrame } from "../lib/realtime/protocol";
import type { Scope } from "../lib/scope";
import { ClientSession } from "./client-session";
import { messageDispatcher } from "./dispatch";
import type { RealtimeError } from "./errors";
import type { FrameSink } from "./outbox";
import type { Bridge } from "./bridge";
import { ClusterBridge } from "./cluster-bridge";
import { RedisBridge } from "./redis-bridge";
import { redisScopeState, type ScopeStateReader } from "./scope-state";
import { SubscriptionRegistry } from "./subscription-registry";
import { FrameRecorder, isEvent, isTelemetryOf, patrolAt, publishTelemetry, waitUntil } from "../test/support/sidecar";

/**
 * The connect sequence against real Redis, in-process, with the state reads
 * wrapped so a start, stop or frame lands at an exact point of the sequence.
 */

const prefix = `rt-${randomBytes(3).toString("hex")}:`;
const ZONE: Scope = { level: "zone", id: 1 };
const STATION = { stationId: 1, divisionId: 1, zoneId: 1, districtId: 1 };
let redis: RedisClient;
let bridge: Bridge;
/** Called with each message's channel once the dispatcher handed it to the sessions. */
const deliveries = new Set<(channel: string) => void>();
let registry: SubscriptionRegistry<ClientSession>;
const sessions: ClientSession[] = [];
let nextPatrol = 400;

/** A socket that keeps up (or, with `bufferedAmount` raised, pretends it is behind) and records what it is sent. */
class RecordingSocket extends FrameRecorder implements FrameSink {
  bufferedAmount = 0;
  send(data: Buffer | string): void {
    this.record(data.toString());
  }
}

/** What to do at each step of a session's sync, to race it. */
interface Races {
  beforeIds?: () => Promise<void>;
  afterIds?: () => Promise<void>;
  afterViews?: () => Promise<void>;
  afterLastFrame?: (id: number) => Promise<void>;
}

function racingReader(races: Races): ScopeStateReader {
  const real = redisScopeState(bridge.command, prefix);
  return {
    async activePatrolIds(scope) {
      await races.beforeIds?.();
      const ids = await real.activePatrolIds(scope);
      await races.afterIds?.();
      return ids;
    },
    async patrolViews(ids) {
      const views = await real.patrolViews(ids);
      await races.afterViews?.();
      return views;
    },
    openAlerts: () => real.openAlerts(),
    async lastFrame(id) {
      const frame = await real.lastFrame(id);
      await races.afterLastFrame?.(id);
      return frame;
    },
    userAccess: (userId) => real.userAccess(userId),
  };
}

function openSession(races: Races = {}, maxQueuedEvents = 1000) {
  const socket = new RecordingSocket();
  const failures: RealtimeError[] = [];
  const session = new ClientSession(
    { userId: 1, role: "COMMANDER", scope: ZONE },
    socket,
    { conflateBytes: 64 * 1024, maxQueuedEvents },
    { registry, state: racingReader(races), prefix, log },
    (err) => failures.push(err),
  );
  sessions.push(session);
  session.start();
  return { socket, session, failures };
}

/** Starts a fresh patrol in the zone; its ADD_CAR, once seen, proves every earlier event was handled. */
async function startMarker(socket: RecordingSocket): Promise<void> {
  const marker = patrolAt(nextPatrol++, STATION);
  await addActivePatrol(redis, prefix, marker);
  await socket.waitFor(isEvent("ADD_CAR", marker.patrolId), `ADD_CAR of marker ${marker.patrolId}`);
}

/** Resolves once the subscriber connection delivered a message on `channel` (the session has had it by then). */
function delivered(channel: string): Promise<void> {
  return new Promise((resolve) => {
    const onMessage = (ch: string) => {
      if (ch !== channel) return;
      deliveries.delete(onMessage);
      resolve();
    };
    deliveries.add(onMessage);
  });
}

beforeAll(async () => {
  redis = createRedis(inject("redisUrl"));
  await redis.connect();
  // Under Redis Cluster (the integration-cluster project) the worker's bridge holds sharded subscriptions.
  bridge = inject("redisClusterNodes") ? new ClusterBridge(prefix, log) : new RedisBridge(inject("redisUrl"), log);
  registry = new SubscriptionRegistry<ClientSession>(bridge, () => undefined);
  const dispatch = messageDispatcher(registry, prefix, log);
  bridge.connect({
    onMessage: (channel, payload) => {
      dispatch(channel, payload);
      for (const delivered of [...deliveries]) delivered(channel);
    },
    onReconnected: () => undefined,
    onChannelsRestored: () => undefined,
    channelsToRestore: () => registry.channels(),
  });
  await waitUntil(() => bridge.ready, "the bridge's Redis connections");
});

afterEach(() => {
  for (const s of sessions.splice(0)) s.close();
  expect(registry.size).toBe(0);
});

afterAll(async () => {
  await bridge.close(1_000);
  // Every master's keys of this prefix (under Redis Cluster, one DEL per key: they live in many slots).
  for (const node of keyHolders(redis)) for (const key of await node.keys(`${prefix}*`)) await redis.del(key);
  await redis.quit();
});

describe("ClientSession connect sequence", () => {
  it("shows a patrol started while the scope set is read once, in the SNAPSHOT, with no ADD_CAR", async () => {
    const raced = patrolAt(nextPatrol++, STATION);
    const { socket } = openSession({ beforeIds: () => addActivePatrol(redis, prefix, raced) });
    expect((await socket.snapshot()).patrols.map((p) => p.patrolId)).toContain(raced.patrolId);
    await startMarker(socket);
    expect(socket.frames.filter(isEvent("ADD_CAR", raced.patrolId))).toEqual([]);
  });

  it("leaves out a patrol stopped between reading the set and reading the metas, and sends no REMOVE_CAR", async () => {
    const raced = patrolAt(nextPatrol++, STATION);
    await addActivePatrol(redis, prefix, raced);
    const { socket } = openSession({ afterIds: () => removeActivePatrol(redis, prefix, raced) });
    expect((await socket.snapshot()).patrols.map((p) => p.patrolId)).not.toContain(raced.patrolId);
    await startMarker(socket);
    expect(socket.frames.filter(isEvent("REMOVE_CAR", raced.patrolId))).toEqual([]);
    expect(await redis.pubsub("NUMSUB", patrolChannel(prefix, raced.patrolId))).toEqual([patrolChannel(prefix, raced.patrolId), 0]);
  });

  it("lets a stop that raced the SNAPSHOT win: REMOVE_CAR follows it", async () => {
    const raced = patrolAt(nextPatrol++, STATION);
    await addActivePatrol(redis, prefix, raced);
    const { socket } = openSession({ afterViews: () => removeActivePatrol(redis, prefix, raced) });
    expect((await socket.snapshot()).patrols.map((p) => p.patrolId)).toContain(raced.patrolId);
    await socket.waitFor(isEvent("REMOVE_CAR", raced.patrolId), "REMOVE_CAR of the raced patrol");
    expect(socket.shown()).not.toContain(raced.patrolId);
  });

  it("never shows a patrol that started and stopped while the sequence ran", async () => {
    const blip = patrolAt(nextPatrol++, STATION);
    const { socket } = openSession({
      beforeIds: async () => {
        await addActivePatrol(redis, prefix, blip);
        await removeActivePatrol(redis, prefix, blip);
      },
    });
    await socket.snapshot();
    await startMarker(socket);
    expect(socket.frames.filter((f) => f.type === "SYSTEM_EVENT" && f.event !== "STATUS" && f.patrol.patrolId === blip.patrolId)).toEqual([]);
  });

  it("delivers, after the SNAPSHOT, a frame published between the read and the SNAPSHOT", async () => {
    const moving = patrolAt(nextPatrol++, STATION);
    await addActivePatrol(redis, prefix, moving);
    await publishTelemetry(redis, prefix, moving.patrolId, { lat: 9.9, lon: 76.3, ts: 1 });
    const { socket } = openSession({
      afterViews: async () => {
        const arrived = delivered(patrolChannel(prefix, moving.patrolId));
        await publishTelemetry(redis, prefix, moving.patrolId, { lat: 9.91, lon: 76.31, ts: 2 });
        await arrived;
      },
    });
    const snapshot = await socket.snapshot();
    expect(snapshot.patrols.find((p) => p.patrolId === moving.patrolId)?.last?.ts).toBe(1);
    await socket.waitFor(isTelemetryOf(moving.patrolId, 2), "the frame that raced the SNAPSHOT");
    expect(socket.frames.indexOf(snapshot)).toBeLessThan(socket.frames.findIndex(isTelemetryOf(moving.patrolId, 2)));
  });

  it("sends a started patrol's point that was published before this worker subscribed, right after its ADD_CAR", async () => {
    const { socket } = openSession();
    await socket.snapshot();
    const quick = patrolAt(nextPatrol++, STATION);
    // The device's first point beats the worker's SUBSCRIBE: published to nobody, kept in the state plane.
    await publishTelemetry(redis, prefix, quick.patrolId, { lat: 9.92, lon: 76.32, ts: 5 });
    await addActivePatrol(redis, prefix, quick);
    await socket.waitFor(isTelemetryOf(quick.patrolId, 5), "the point published before the subscription");
    const added = socket.frames.findIndex(isEvent("ADD_CAR", quick.patrolId));
    expect(added).toBeGreaterThanOrEqual(0);
    expect(added).toBeLessThan(socket.frames.findIndex(isTelemetryOf(quick.patrolId, 5)));
    expect(socket.frames.filter(isTelemetryOf(quick.patrolId, 5))).toHaveLength(1);
  });

  it("sends a started patrol's point once when its message arrives after the ADD_CAR that already carried it", async () => {
    const quick = patrolAt(nextPatrol++, STATION);
    const position = { lat: 9.93, lon: 76.33, ts: 7 };
    // The point is stored before the session reads the patrol's last one, and its message reaches the worker only
    // after that read (the subscriber and command connections race): the ADD_CAR carries it, the message is a repeat.
    const { socket } = openSession({
      afterLastFrame: async (id) => {
        if (id !== quick.patrolId) return;
        const frame = encodeTelemetryFrame(id, position);
        await (clusterLayout ? redis.spublish(patrolChannel(prefix, id), frame) : redis.publish(patrolChannel(prefix, id), frame));
      },
    });
    await socket.snapshot();
    if (clusterLayout) await redis.set(patrolLastFrameKey(prefix, quick.patrolId), encodeTelemetryFrame(quick.patrolId, position));
    else await redis.hset(lastStatusKey(prefix), String(quick.patrolId), encodeTelemetryFrame(quick.patrolId, position));
    await addActivePatrol(redis, prefix, quick);
    await socket.waitFor(isTelemetryOf(quick.patrolId, 7), "the stored point after the ADD_CAR");
    await startMarker(socket);
    expect(socket.frames.filter(isTelemetryOf(quick.patrolId, 7))).toHaveLength(1);
    // The patrol's next point is sent as usual.
    await publishTelemetry(redis, prefix, quick.patrolId, { lat: 9.94, lon: 76.34, ts: 8 });
    await socket.waitFor(isTelemetryOf(quick.patrolId, 8), "the next point");
  });

  it("replaces system events that overflow a slow client's queue with a fresh SNAPSHOT once it drains", async () => {
    const { socket, session } = openSession({}, 3);
    await socket.snapshot();
    socket.bufferedAmount = 10 * 1024 * 1024;
    const started: number[] = [];
    for (let i = 0; i < 5; i++) {
      const p = patrolAt(nextPatrol++, STATION);
      started.push(p.patrolId);
      await addActivePatrol(redis, prefix, p);
    }
    // Every start handled (its channel held), the overflow's re-sync run: only then does the socket catch up.
    await waitUntil(
      () => started.every((id) => registry.clientsOf(patrolChannel(prefix, id))?.has(session)) && session.settled,
      "the five starts and the re-sync they overflowed into",
    );
    expect(session.pendingBytes).toBeGreaterThan(socket.bufferedAmount);
    socket.bufferedAmount = 0;
    session.flush();
    const resync = await socket.snapshot(2);
    expect(resync.patrols.map((p) => p.patrolId)).toEqual(expect.arrayContaining(started));
    expect(socket.shown()).toEqual(expect.arrayContaining(started));
  });
});
