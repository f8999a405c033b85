package dev.gatehouse.tls.policy;

import dev.gatehouse.tls.sni.Hostnames;
import java.util.HashMap;
import java.util.Map;

/**
 * The hostname policies a node serves: exact name first, then the one-label wildcard, as the SNI
 * index and the router match. Replaced whole when a policy changes anywhere in the cluster (a
 * volatile snapshot swap: readers never lock). With no policy at all, a lookup is one volatile read
 * and returns null; callers cache what they looked up per connection and compare
 * {@link #version()} to notice a change.
 */
public final class PolicyIndex {

    private record Snapshot(Map<String, HostPolicy> exact, Map<String, HostPolicy> wildcard, long version) {
    }

    private volatile Snapshot current = new Snapshot(Map.of(), Map.of(), 0);

    /**
     * Serves {@code policies} (normalized name or {@code *.parent} → policy) from now on; the names
     * no longer in it have no policy.
     */
    public synchronized void replace(Map<String, HostPolicy> policies) {
        Map<String, HostPolicy> exact = new HashMap<>();
        Map<String, HostPolicy> wildcard = new HashMap<>();
        policies.forEach((name, p) -> {
            if (name.startsWith("*.")) {
                wildcard.put(name.substring(2), p);
            } else {
                exact.put(name, p);
            }
        });
        current = new Snapshot(Map.copyOf(exact), Map.copyOf(wildcard), current.version + 1);
    }

    /** Bumped by every {@link #replace}: a cached lookup made under another version is stale. */
    public long version() {
        return current.version;
    }

    /** How many names have a policy. */
    public int size() {
        Snapshot s = current;
        return s.exact.size() + s.wildcard.size();
    }

    /** The policy of a normalized name (an SNI), or null. */
    public HostPolicy forName(String name) {
        Snapshot s = current;
        if (name == null || s.exact.isEmpty() && s.wildcard.isEmpty()) {
            return null;
        }
        HostPolicy p = s.exact.get(name);
        if (p == null && !s.wildcard.isEmpty()) {
            String parent = Hostnames.wildcardParent(name);
            if (parent != null) {
                p = s.wildcard.get(parent);
            }
        }
        return p;
    }

    /** The policy of a Host header value (port and trailing dot ignored), or null. */
    public HostPolicy forHost(String hostHeader) {
        Snapshot s = current;
        if (hostHeader == null || s.exact.isEmpty() && s.wildcard.isEmpty()) {
            return null;
        }
        return forName(Hostnames.normalize(Hostnames.withoutPort(hostHeader)));
    }
}
