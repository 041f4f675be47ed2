import net from "node:net";
import pg from "pg";
import { env } from "../lib/env";

/** Commands that start the services on a Debian machine like ours. */
const HOW_TO_START = {
  postgres:
    "Start PostgreSQL: `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` " +
    "(or `docker compose up -d postgres`), or point DATABASE_URL at a running server.",
  redis:
    'Start Redis: `redis-server --daemonize yes --port 6379 --save "" --appendonly no` ' +
    "(or `docker compose up -d redis`), or point REDIS_URL at a running server.",
};

/** True when something accepts TCP connections at host:port (an IPv6 host may come bracketed, as in a URL). */
export function canConnect(host: string, port: number, timeoutMs = 1500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: host.replace(/^\[|\]$/g, ""), port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/**
 * Checks that PostgreSQL and Redis are reachable and creates the database if
 * it does not exist yet (unless `createDatabase: false`: the tests make their own). Exits with a message saying what is missing and how
 * to start it.
 */
export async function checkServices(opts: { postgres?: boolean; redis?: boolean; createDatabase?: boolean } = {}): Promise<void> {
  const problems: string[] = [];
  if (opts.postgres !== false) {
    const db = new URL(env.DATABASE_URL);
    if (!(await canConnect(db.hostname, Number(db.port || 5432)))) {
      problems.push(`PostgreSQL is not reachable at ${db.hostname}:${db.port || 5432}. ${HOW_TO_START.postgres}`);
    } else if (opts.createDatabase !== false) {
      await ensureDatabase(env.DATABASE_URL);
    }
  }
  if (opts.redis !== false && env.REDIS_CLUSTER_NODES) {
    // Redis Cluster: the clients find every node from any seed that answers.
    const seeds = env.REDIS_CLUSTER_NODES;
    const reachable = await Promise.all(seeds.map((node) => canConnect(node.host, node.port)));
    if (!reachable.some(Boolean)) {
      problems.push(
        `No Redis Cluster node of REDIS_CLUSTER_NODES (${seeds.map((n) => `${n.host}:${n.port}`).join(", ")}) is reachable. Start the cluster, or unset REDIS_CLUSTER_NODES to use the Redis at REDIS_URL.`,
      );
    }
  } else if (opts.redis !== false) {
    const r = new URL(env.REDIS_URL);
    if (!(await canConnect(r.hostname, Number(r.port || 6379)))) {
      problems.push(`Redis is not reachable at ${r.hostname}:${r.port || 6379}. ${HOW_TO_START.redis}`);
    }
  }
  if (problems.length) {
    console.error(problems.map((p) => `✗ ${p}`).join("\n"));
    process.exit(1);
  }
}

/** Creates the database named in `url` when it does not exist (like `prisma migrate` does). */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (!rowCount) {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      console.log(`Created database ${name}.`);
    }
  } finally {
    await client.end();
  }
}
