package dev.gatehouse.tls.sni;

import dev.gatehouse.tls.cert.KeyType;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The SNI index of a {@link CertificateRegistry}: id → served bundle, and exact name or wildcard
 * parent → the newest ECDSA and RSA candidates. Split from the registry, which owns the key
 * material and the stapling, so that the lookup order reads in one place.
 *
 * <p>Threads: writes ({@link #put}, {@link #replace}, {@link #remove}) come from the registry's
 * writer, under its write lock, and publish immutable per-name entries into concurrent maps; the
 * lookups ({@link #select}, {@link #servedPattern}, {@link #get}) take no lock.
 */
final class SniIndex {

    /** One name's candidates, immutable; replaced wholesale on every write. */
    private record NameEntry(Served ecdsa, Served rsa) {
        Served pick(boolean ecdsaSupported) {
            if (ecdsaSupported && ecdsa != null) {
                return ecdsa;
            }
            return rsa != null ? rsa : ecdsa;
        }
    }

    private final ConcurrentHashMap<String, Served> byId = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, NameEntry> exact = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, NameEntry> wildcard = new ConcurrentHashMap<>();
    /** pattern → ids covering it; only touched by the writer. */
    private final Map<String, Set<String>> idsByPattern = new HashMap<>();
    private volatile String defaultId;

    Served get(String id) {
        return id == null ? null : byId.get(id);
    }

    Collection<Served> all() {
        return byId.values();
    }

    int size() {
        return byId.size();
    }

    void defaultId(String id) {
        this.defaultId = id;
    }

    /** Adds or replaces the bundle under {@code next}'s id; returns the one it replaced, if any. Writer only. */
    Served put(Served next) {
        String id = next.bundle.id();
        Served previous = byId.put(id, next);
        Set<String> touched = new LinkedHashSet<>(next.bundle.names());
        if (previous != null) {
            touched.addAll(previous.bundle.names());
            for (String name : previous.bundle.names()) {
                removeId(name, id);
            }
        }
        for (String name : next.bundle.names()) {
            addId(name, id);
        }
        touched.forEach(this::reindex);
        return previous;
    }

    /** Serves {@code next} in place of the live entry with the same bundle (a new staple). Writer only. */
    void replace(Served next) {
        byId.put(next.bundle.id(), next);
        next.bundle.names().forEach(this::reindex);
    }

    /** Removes a bundle; returns it, or null when no bundle had that id. Writer only. */
    Served remove(String id) {
        Served previous = byId.remove(id);
        if (previous != null) {
            for (String name : previous.bundle.names()) {
                removeId(name, id);
                reindex(name);
            }
        }
        return previous;
    }

    /**
     * Exact name, then one-label wildcard, then the default bundle if any; null when none. A name
     * no certificate covers is told to {@code miss} (when not null) before the default is tried.
     */
    Served select(String sni, boolean ecdsaSupported, Consumer<String> miss) {
        String name = sni == null ? null : Hostnames.normalize(sni);
        if (name != null) {
            NameEntry e = entry(name);
            if (e != null) {
                return e.pick(ecdsaSupported);
            }
            if (miss != null) {
                miss.accept(name);
            }
        }
        return get(defaultId);
    }

    private NameEntry entry(String name) {
        NameEntry e = exact.get(name);
        if (e == null) {
            String parent = Hostnames.wildcardParent(name);
            if (parent != null) {
                e = wildcard.get(parent);
            }
        }
        return e;
    }

    /** See {@link CertificateRegistry#servedPattern}. */
    String servedPattern(String host) {
        String name = Hostnames.normalize(Hostnames.withoutPort(host));
        if (name == null) {
            return null;
        }
        if (exact.containsKey(name)) {
            return name;
        }
        String parent = Hostnames.wildcardParent(name);
        return parent != null && wildcard.containsKey(parent) ? "*." + parent : null;
    }

    /**
     * See {@link CertificateRegistry#explain}: reads the candidates under {@code writeLock} (one
     * consistent index), then classifies them without it.
     *
     * @param cached whether a bundle's key material is built now
     */
    SniExplanation explain(String sni, Object writeLock, Predicate<Served> cached) {
        String name = sni == null ? null : Hostnames.normalize(sni);
        String parent = name == null ? null : Hostnames.wildcardParent(name);
        String wildPattern = parent == null ? null : "*." + parent;
        List<Served> exactIds;
        List<Served> wildIds;
        NameEntry exactEntry;
        NameEntry wildEntry;
        Served fallback;
        synchronized (writeLock) {
            exactIds = name == null ? List.of() : served(idsByPattern.get(name));
            wildIds = wildPattern == null ? List.of() : served(idsByPattern.get(wildPattern));
            exactEntry = name == null ? null : exact.get(name);
            wildEntry = parent == null ? null : wildcard.get(parent);
            fallback = get(defaultId);
        }
        SniExplanation.Match match;
        NameEntry chosen;
        String pattern;
        if (exactEntry != null) {
            match = SniExplanation.Match.EXACT;
            chosen = exactEntry;
            pattern = name;
        } else if (wildEntry != null) {
            match = SniExplanation.Match.WILDCARD;
            chosen = wildEntry;
            pattern = wildPattern;
        } else if (fallback != null) {
            match = SniExplanation.Match.DEFAULT;
            chosen = new NameEntry(null, fallback);
            pattern = null;
        } else {
            match = SniExplanation.Match.NONE;
            chosen = null;
            pattern = null;
        }
        Served forEcdsa = chosen == null ? null : chosen.pick(true);
        Served forRsa = chosen == null ? null : chosen.pick(false);
        List<SniExplanation.Candidate> out = new ArrayList<>();
        for (Served s : exactIds) {
            out.add(candidate(s, name, outcome(s, forEcdsa, forRsa, null), cached));
        }
        for (Served s : wildIds) {
            SniExplanation.Outcome shadow = match == SniExplanation.Match.EXACT
                    ? SniExplanation.Outcome.SHADOWED_BY_EXACT : null;
            out.add(candidate(s, wildPattern, outcome(s, forEcdsa, forRsa, shadow), cached));
        }
        if (fallback != null) {
            out.add(candidate(fallback, null, match == SniExplanation.Match.DEFAULT ? SniExplanation.Outcome.SERVED
                    : SniExplanation.Outcome.DEFAULT_NOT_NEEDED, cached));
        }
        return new SniExplanation(name, match, pattern, forEcdsa == null ? null : forEcdsa.bundle.id(),
                forRsa == null ? null : forRsa.bundle.id(), out);
    }

    /** The live bundles of some ids, sorted by id (a stable order for operators). Under the write lock. */
    private List<Served> served(Set<String> ids) {
        if (ids == null) {
            return List.of();
        }
        List<Served> out = new ArrayList<>(ids.size());
        for (String id : ids) {
            Served s = byId.get(id);
            if (s != null) {
                out.add(s);
            }
        }
        out.sort(Comparator.comparing(s -> s.bundle.id()));
        return out;
    }

    private static SniExplanation.Outcome outcome(Served s, Served forEcdsa, Served forRsa,
            SniExplanation.Outcome otherwise) {
        if (s == forEcdsa && s == forRsa) {
            return SniExplanation.Outcome.SERVED;
        }
        if (s == forEcdsa) {
            return SniExplanation.Outcome.SERVED_TO_ECDSA_CLIENTS;
        }
        if (s == forRsa) {
            return SniExplanation.Outcome.SERVED_TO_RSA_CLIENTS;
        }
        return otherwise != null ? otherwise : SniExplanation.Outcome.OLDER;
    }

    private static SniExplanation.Candidate candidate(Served s, String pattern, SniExplanation.Outcome outcome,
            Predicate<Served> cached) {
        var b = s.bundle;
        return new SniExplanation.Candidate(b.id(), pattern, b.keyType().toString(), b.notBefore(), b.notAfter(),
                b.fingerprint(), cached.test(s), outcome);
    }

    /**
     * Nearly every pattern is covered by one certificate: it maps to an immutable one-element set
     * (16 bytes), and only a pattern that gains a second id gets a mutable set (about 200 bytes with
     * its table and entries; 20 MB across 100,000 certificates).
     */
    private void addId(String pattern, String id) {
        Set<String> ids = idsByPattern.get(pattern);
        if (ids == null) {
            idsByPattern.put(pattern, Set.of(id));
        } else if (ids instanceof LinkedHashSet<String> several) {
            several.add(id);
        } else if (!ids.contains(id)) {
            Set<String> several = new LinkedHashSet<>(ids);
            several.add(id);
            idsByPattern.put(pattern, several);
        }
    }

    private void removeId(String pattern, String id) {
        Set<String> ids = idsByPattern.get(pattern);
        if (ids == null || !ids.contains(id)) {
            return;
        }
        if (ids.size() == 1) {
            idsByPattern.remove(pattern);
        } else {
            ids.remove(id); // two or more: the mutable set
        }
    }

    /** Recomputes one pattern's entry from {@link #idsByPattern}. Writer only. */
    private void reindex(String pattern) {
        Served bestEc = null;
        Served bestRsa = null;
        Set<String> ids = idsByPattern.get(pattern);
        if (ids != null) {
            for (String id : ids) {
                Served s = byId.get(id);
                if (s == null) {
                    continue;
                }
                if (s.bundle.keyType().family() == KeyType.Family.ECDSA) {
                    bestEc = newer(bestEc, s);
                } else {
                    bestRsa = newer(bestRsa, s);
                }
            }
        }
        boolean wild = Hostnames.isWildcard(pattern);
        ConcurrentHashMap<String, NameEntry> map = wild ? wildcard : exact;
        String key = wild ? pattern.substring(2) : pattern;
        if (bestEc == null && bestRsa == null) {
            map.remove(key);
        } else {
            map.put(key, new NameEntry(bestEc, bestRsa));
        }
    }

    private static Served newer(Served current, Served candidate) {
        if (current == null) {
            return candidate;
        }
        int cmp = candidate.bundle.notBefore().compareTo(current.bundle.notBefore());
        if (cmp > 0 || (cmp == 0 && candidate.bundle.id().compareTo(current.bundle.id()) > 0)) {
            return candidate;
        }
        return current;
    }
}
