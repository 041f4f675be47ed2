import { describe, expect, it } from "vitest";
import { clientAddress, PEER_ADDRESS_HEADER, UNKNOWN_CLIENT } from "./client-address";

const request = (peer: string | undefined, forwardedFor?: string) => ({
  ...(peer === undefined ? {} : { [PEER_ADDRESS_HEADER]: peer }),
  ...(forwardedFor === undefined ? {} : { "x-forwarded-for": forwardedFor }),
});

describe("clientAddress", () => {
  it("with no trusted proxy is the TCP peer, whatever X-Forwarded-For claims", () => {
    expect(clientAddress(request("203.0.113.7"), 0)).toBe("203.0.113.7");
    expect(clientAddress(request("203.0.113.7", "198.51.100.1"), 0)).toBe("203.0.113.7");
    expect(clientAddress(request("203.0.113.7", "198.51.100.1, 198.51.100.2"), 0)).toBe("203.0.113.7");
  });

  it("behind n proxies is the entry they appended n hops left of the peer; the client's own entries never count", () => {
    // nginx appends the address it received from: [claims…, client]; the peer is nginx.
    expect(clientAddress(request("10.0.0.2", "203.0.113.7"), 1)).toBe("203.0.113.7");
    expect(clientAddress(request("10.0.0.2", "1.2.3.4, 5.6.7.8, 203.0.113.7"), 1)).toBe("203.0.113.7");
    // CDN → nginx → app: [claims…, client, cdn-edge]; the peer is nginx.
    expect(clientAddress(request("10.0.0.2", "1.2.3.4, 203.0.113.7, 10.0.0.1"), 2)).toBe("203.0.113.7");
  });

  it("uses the leftmost address when the chain is shorter than the configured hops", () => {
    expect(clientAddress(request("203.0.113.7"), 1)).toBe("203.0.113.7");
    expect(clientAddress(request("10.0.0.2", "203.0.113.7"), 3)).toBe("203.0.113.7");
  });

  it("ignores blank entries and reads Headers objects and repeated headers alike", () => {
    expect(clientAddress(request("10.0.0.2", " , 203.0.113.7 ,"), 1)).toBe("203.0.113.7");
    const headers = new Headers({ [PEER_ADDRESS_HEADER]: "10.0.0.2", "x-forwarded-for": "203.0.113.7" });
    expect(clientAddress(headers, 1)).toBe("203.0.113.7");
    expect(clientAddress({ [PEER_ADDRESS_HEADER]: "10.0.0.2", "x-forwarded-for": ["1.1.1.1", "203.0.113.7"] }, 1)).toBe("203.0.113.7");
  });

  it("is one shared 'unknown' client without a recorded peer address", () => {
    expect(clientAddress(request(undefined, "203.0.113.7"), 0)).toBe(UNKNOWN_CLIENT);
    expect(clientAddress(request("", "203.0.113.7"), 1)).toBe(UNKNOWN_CLIENT);
    expect(clientAddress(undefined, 0)).toBe(UNKNOWN_CLIENT);
  });
});
