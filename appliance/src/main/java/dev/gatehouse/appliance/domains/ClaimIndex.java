package dev.gatehouse.appliance.domains;

import dev.gatehouse.cluster.store.DomainRecord;
import dev.gatehouse.cluster.store.RecordKinds;
import dev.gatehouse.cluster.store.Store;
import dev.gatehouse.cluster.store.StoreListener;
import dev.gatehouse.tls.sni.Hostnames;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The store's domain claims indexed for the questions asked on hot paths: which verified claim
 * covers a name (on-demand ACME asks from the event loop), which names a tenant has verified (what
 * its certificates are served for), which claims a tenant holds. It listens to the store it is
 * built on and is rebuilt whenever a claim changes, before listeners registered after it hear of
 * the change; reads take an immutable snapshot and never lock or block.
 */
public final class ClaimIndex implements StoreListener {

    /** One immutable view of all claims. */
    private record Snapshot(Map<String, DomainRecord> verifiedByName, Map<String, Set<String>> verifiedByTenant,
            Map<String, List<DomainRecord>> byTenant, Map<String, List<DomainRecord>> byName) {
    }

    private final Store store;
    private volatile Snapshot snapshot = new Snapshot(Map.of(), Map.of(), Map.of(), Map.of());

    public ClaimIndex(Store store) {
        this.store = store;
        rebuild();
        store.addListener(this);
    }

    @Override
    public void claimChanged(String tenant) {
        rebuild();
    }

    /** Reads every claim again; O(claims), run after a claim changed. */
    public synchronized void rebuild() {
        Map<String, DomainRecord> verifiedByName = new HashMap<>();
        Map<String, Set<String>> verifiedByTenant = new HashMap<>();
        Map<String, List<DomainRecord>> byTenant = new HashMap<>();
        Map<String, List<DomainRecord>> byName = new HashMap<>();
        for (DomainRecord d : store.records(RecordKinds.DOMAINS)) {
            byTenant.computeIfAbsent(d.tenant(), t -> new ArrayList<>()).add(d);
            byName.computeIfAbsent(d.name(), t -> new ArrayList<>()).add(d);
            if (d.verified()) {
                DomainRecord other = verifiedByName.get(d.name());
                // two verified claims on one name can only meet after a split brain: the older proof wins
                if (other == null || other.verifiedAt() > d.verifiedAt()) {
                    verifiedByName.put(d.name(), d);
                }
            }
        }
        for (DomainRecord d : verifiedByName.values()) {
            verifiedByTenant.computeIfAbsent(d.tenant(), t -> new HashSet<>()).add(d.name());
        }
        snapshot = new Snapshot(Map.copyOf(verifiedByName), copy(verifiedByTenant), copyLists(byTenant),
                copyLists(byName));
    }

    /** The verified claim covering {@code name} (exact first, then its one-label wildcard), if any. */
    public Optional<DomainRecord> verifiedCovering(String name) {
        Snapshot s = snapshot;
        DomainRecord exact = s.verifiedByName.get(name);
        if (exact != null || Hostnames.isWildcard(name)) {
            return Optional.ofNullable(exact);
        }
        String parent = Hostnames.wildcardParent(name);
        return parent == null ? Optional.empty() : Optional.ofNullable(s.verifiedByName.get("*." + parent));
    }

    /** The verified claim on exactly {@code pattern} (a name or a wildcard), if any. */
    public Optional<DomainRecord> verified(String pattern) {
        return Optional.ofNullable(snapshot.verifiedByName.get(pattern));
    }

    /** The names and wildcards {@code tenant} holds verified claims on. */
    public Set<String> verifiedPatterns(String tenant) {
        return snapshot.verifiedByTenant.getOrDefault(tenant, Set.of());
    }

    /** Every claim of {@code tenant}, whatever its status. */
    public List<DomainRecord> claimsOf(String tenant) {
        return snapshot.byTenant.getOrDefault(tenant, List.of());
    }

    /** Every claim on exactly {@code pattern}, of any tenant. */
    public List<DomainRecord> claimsOn(String pattern) {
        return snapshot.byName.getOrDefault(pattern, List.of());
    }

    /**
     * Every verified claim of another tenant than {@code tenant} that overlaps {@code pattern}: the
     * same name, a wildcard covering it, or (for a wildcard) an exact name one label below it.
     */
    public List<DomainRecord> verifiedOverlaps(String pattern, String tenant) {
        List<DomainRecord> out = new ArrayList<>();
        for (DomainRecord d : overlapping(pattern)) {
            if (d.verified() && !d.tenant().equals(tenant)) {
                out.add(d);
            }
        }
        return out;
    }

    /** Every claim of any tenant that overlaps {@code pattern} (see {@link #verifiedOverlaps}). */
    public List<DomainRecord> overlapping(String pattern) {
        Snapshot s = snapshot;
        List<DomainRecord> out = new ArrayList<>(s.byName.getOrDefault(pattern, List.of()));
        if (Hostnames.isWildcard(pattern)) {
            String parent = pattern.substring(2);
            for (Map.Entry<String, List<DomainRecord>> e : s.byName.entrySet()) {
                String n = e.getKey();
                if (!Hostnames.isWildcard(n) && parent.equals(Hostnames.wildcardParent(n))) {
                    out.addAll(e.getValue());
                }
            }
        } else {
            String parent = Hostnames.wildcardParent(pattern);
            if (parent != null) {
                out.addAll(s.byName.getOrDefault("*." + parent, List.of()));
            }
        }
        return out;
    }

    /** Whether claim {@code pattern} covers name {@code name}: equal, or a wildcard one label above it. */
    public static boolean covers(String pattern, String name) {
        if (pattern.equals(name)) {
            return true;
        }
        return Hostnames.isWildcard(pattern) && !Hostnames.isWildcard(name) && Hostnames.covers(pattern, name);
    }

    /** Whether any of {@code patterns} covers {@code name}. */
    public static boolean coveredByAny(Iterable<String> patterns, String name) {
        for (String p : patterns) {
            if (covers(p, name)) {
                return true;
            }
        }
        return false;
    }

    private static Map<String, Set<String>> copy(Map<String, Set<String>> m) {
        Map<String, Set<String>> out = new HashMap<>();
        m.forEach((k, v) -> out.put(k, Set.copyOf(v)));
        return Map.copyOf(out);
    }

    private static Map<String, List<DomainRecord>> copyLists(Map<String, List<DomainRecord>> m) {
        Map<String, List<DomainRecord>> out = new HashMap<>();
        m.forEach((k, v) -> out.put(k, List.copyOf(v)));
        return Map.copyOf(out);
    }
}
