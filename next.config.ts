import type { NextConfig } from "next";
// Validate the environment at build and start: a bad value fails here, naming the variable.
import "./lib/env";
import { API_CONTENT_SECURITY_POLICY } from "./lib/http/content-security-policy";

const securityHeaders = [
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "same-origin" },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=()" },
];

const nextConfig: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // `forbidden()` answers a real 403 (with app/forbidden.tsx) to non-admins on /admin.
  experimental: { authInterrupts: true },
  serverExternalPackages: ["@node-rs/argon2", "pino", "ioredis", "pg"],
  turbopack: { root: __dirname },
  outputFileTracingRoot: __dirname,
  // Pages get a nonce-based Content-Security-Policy from proxy.ts, per request.
  async headers() {
    return [
      { source: "/:path*", headers: securityHeaders },
      { source: "/api/:path*", headers: [{ key: "Content-Security-Policy", value: API_CONTENT_SECURITY_POLICY }] },
    ];
  },
};

export default nextConfig;
