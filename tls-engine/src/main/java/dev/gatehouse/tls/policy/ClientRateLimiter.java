package dev.gatehouse.tls.policy;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.security.SecureRandom;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Token buckets per client address for one hostname's {@code rateLimit} on this node: {@code perSecond} tokens
 * a second, at most {@code burst} saved up, at most {@code maxClients} buckets held.
 *
 * <p><b>Bucket.</b> Each bucket is one {@code long}, its theoretical arrival time (GCRA, the "virtual scheduling"
 * form of a token bucket, ITU-T I.371): a request at {@code now} is allowed when {@code tat - now <=
 * (burst - 1) * interval}, and then {@code tat = max(tat, now) + interval}. A bucket is full exactly when
 * {@code tat <= now}. Over any window of length {@code t}, one bucket grants at most {@code burst + t /
 * interval} requests; the interval is rounded up to whole nanoseconds, so never more than {@code perSecond}.
 *
 * <p><b>Bounded memory, and why spraying addresses does not help an attacker.</b> Buckets live in a
 * set-associative table. A client's key (its address, see below, through SipHash-2-4 keyed with a random secret,
 * so nobody can choose addresses that land in a victim's sets) picks two candidate sets of {@value #WAYS} slots
 * (the second in the same page as the first, so one lock covers both); its bucket is in one of them. A newcomer
 * goes to the candidate set with fewer buckets in debt ("power of two choices", which keeps sets evenly loaded
 * until the table is nearly full) and takes an empty slot there, or else the slot whose bucket is full and idle
 * longest. A full bucket holds no information (a new bucket starts full), so evicting it resets nobody. A bucket
 * in debt is never evicted: when every slot of both of the newcomer's sets is in debt, the newcomer is refused
 * until the first of them refills (the returned wait). So an address is charged against its own bucket from its
 * first granted request until it has been idle long enough to be full again, and no address ever gets more than
 * its rate, however many other addresses are sprayed at the table. What spraying can do is crowd out newcomers:
 * to keep all {@code maxClients} slots in debt an attacker must have {@code maxClients * perSecond} requests a
 * second accepted, so size {@code maxClients} well above the clients expected to be in debt at once. (A fixed
 * table where colliding addresses share a bucket has the same bound but throttles innocent neighbours even when
 * the table is nearly empty; an LRU cache would let a sprayer evict, and so reset, a heavy client's bucket.)
 *
 * <p><b>Key.</b> An IPv4 address is its own key (an IPv4-mapped IPv6 address is its IPv4 address). An IPv6
 * address is keyed by its first {@code ipv6PrefixLength} bits, by default 64: a single host is normally given
 * a whole /64, and per-/128 buckets would hand anyone with one subnet 2<sup>64</sup> buckets.
 *
 * <p><b>Threads.</b> No global lock: the table is split in pages of {@value #SETS_PER_PAGE} sets, allocated on
 * first use (a hostname with few clients holds few pages), and each page is its own monitor, held for a scan of
 * the two candidate sets. Time comes only from the caller ({@code nowNanos}, e.g. {@code System.nanoTime()}),
 * which keeps tests deterministic; values from different threads may be slightly out of order, which the bound
 * above tolerates (it holds over the span between the smallest and largest time passed).
 */
public final class ClientRateLimiter {

    static final int WAYS = 8;
    static final int SETS_PER_PAGE = 8;
    /** Large enough for any node; 16 bytes a slot makes this 256 MiB, so a typo cannot ask for more. */
    static final int MAX_CLIENTS = 1 << 24;
    static final int MAX_BURST = 1_000_000;
    static final double MIN_PER_SECOND = 0.001;
    static final double MAX_PER_SECOND = 1e9;

    private static final SecureRandom SEEDS = new SecureRandom();

    private final long intervalNanos;
    private final long toleranceNanos;
    private final int ways;
    private final int sets;
    private final int ipv6PrefixLength;
    private final long k0;
    private final long k1;
    /** Pages of {@code [tag, tat, tag, tat, ...]}; tag 0 marks an empty slot. Guarded by the page itself. */
    private final AtomicReferenceArray<long[]> pages;

    /** Buckets per client address, IPv6 clients grouped by /64. */
    public ClientRateLimiter(double perSecond, int burst, int maxClients) {
        this(perSecond, burst, maxClients, 64);
    }

    /**
     * As {@link #ClientRateLimiter(double, int, int)}, with IPv6 clients grouped by their first
     * {@code ipv6PrefixLength} bits (128: one bucket per IPv6 address).
     */
    public ClientRateLimiter(double perSecond, int burst, int maxClients, int ipv6PrefixLength) {
        this(perSecond, burst, maxClients, ipv6PrefixLength, SEEDS.nextLong(), SEEDS.nextLong());
    }

    /** With a fixed hash key, for tests that need a reproducible placement. */
    ClientRateLimiter(double perSecond, int burst, int maxClients, int ipv6PrefixLength, long k0, long k1) {
        if (!(perSecond >= MIN_PER_SECOND && perSecond <= MAX_PER_SECOND)) {
            throw new IllegalArgumentException("perSecond: " + perSecond + " (expected: a number from "
                    + MIN_PER_SECOND + " to " + (long) MAX_PER_SECOND + ")");
        }
        if (burst < 1 || burst > MAX_BURST) {
            throw new IllegalArgumentException("burst: " + burst + " (expected: 1 to " + MAX_BURST + ")");
        }
        if (maxClients < 1 || maxClients > MAX_CLIENTS) {
            throw new IllegalArgumentException("maxClients: " + maxClients + " (expected: 1 to " + MAX_CLIENTS + ")");
        }
        if (ipv6PrefixLength < 1 || ipv6PrefixLength > 128) {
            throw new IllegalArgumentException("ipv6PrefixLength: " + ipv6PrefixLength + " (expected: 1 to 128)");
        }
        this.intervalNanos = (long) Math.ceil(1e9 / perSecond);
        this.toleranceNanos = (burst - 1) * intervalNanos;
        this.ways = Math.min(WAYS, maxClients);
        this.sets = maxClients / ways;
        this.ipv6PrefixLength = ipv6PrefixLength;
        this.k0 = k0;
        this.k1 = k1;
        this.pages = new AtomicReferenceArray<>((sets + SETS_PER_PAGE - 1) / SETS_PER_PAGE);
    }

    /**
     * Takes a token for {@code client} at time {@code nowNanos}.
     *
     * @return 0 when a token was taken (serve the request); otherwise how many nanoseconds until one will be
     *     available (refuse it; round up to whole seconds for {@code Retry-After})
     */
    public long acquire(InetAddress client, long nowNanos) {
        Objects.requireNonNull(client, "client");
        return acquireKey(key(client), nowNanos);
    }

    /**
     * As {@link #acquire(InetAddress, long)}, for the raw 4- or 16-byte address ({@link InetAddress#getAddress()},
     * network byte order) when the caller already holds it: nothing is allocated.
     */
    public long acquire(byte[] client, long nowNanos) {
        if (client.length == 4) {
            return acquireKey(ipv4Key(AddressBits.int32(client, 0)), nowNanos);
        }
        if (client.length == 16) {
            return acquireKey(ipv6Key(AddressBits.int64(client, 0), AddressBits.int64(client, 8)), nowNanos);
        }
        throw new IllegalArgumentException("client: " + client.length + " bytes (expected: 4 or 16)");
    }

    private long acquireKey(long key, long nowNanos) {
        // set A anywhere in the table, set B in the same page (one lock); Lemire's multiply-shift reductions
        int setA = (int) (((key >>> 32) * sets) >>> 32);
        int page = setA / SETS_PER_PAGE;
        int setsHere = Math.min(SETS_PER_PAGE, sets - page * SETS_PER_PAGE);
        int setB = page * SETS_PER_PAGE + (int) (((key & 0xffffffffL) * setsHere) >>> 32);
        long[] slots = page(page);
        synchronized (slots) {
            return acquire(slots, setA, setB, key, nowNanos);
        }
    }

    /** With the page of both candidate sets locked. */
    private long acquire(long[] page, int setA, int setB, long key, long now) {
        int baseA = (setA % SETS_PER_PAGE) * ways * 2;
        int baseB = (setB % SETS_PER_PAGE) * ways * 2;
        int found = find(page, baseA, key);
        if (found < 0 && setB != setA) {
            found = find(page, baseB, key);
        }
        if (found >= 0) {
            return take(page, found + 1, now);
        }
        // a newcomer: into the candidate set with fewer buckets in debt (power of two choices)
        long victimA = victim(page, baseA, now);
        long victimB = setB == setA ? victimA : victim(page, baseB, now);
        long chosen = debtors(victimB) < debtors(victimA) ? victimB : victimA;
        if (debtors(chosen) == ways) {
            // every bucket of both sets is in debt: wait until the first refills (never evict a debt)
            return Math.max(1, Math.min(earliest(page, baseA, now), earliest(page, baseB, now)));
        }
        int slot = (int) (chosen & 0xffffffffL);
        page[slot] = key;
        page[slot + 1] = now;
        return take(page, slot + 1, now);
    }

    private int find(long[] page, int base, long key) {
        for (int slot = base, end = base + 2 * ways; slot < end; slot += 2) {
            if (page[slot] == key) {
                return slot;
            }
        }
        return -1;
    }

    /**
     * The slot a newcomer may take in one set (an empty one, else the full bucket idle longest) in the low 32
     * bits, and how many buckets of the set are in debt in the high 32 bits ({@code ways} when none may go).
     */
    private long victim(long[] page, int base, long now) {
        int victim = -1;
        boolean empty = false;
        long victimTat = 0;
        int debtors = 0;
        for (int slot = base, end = base + 2 * ways; slot < end; slot += 2) {
            if (page[slot] == 0) {
                if (!empty) {
                    victim = slot;
                    empty = true;
                }
                continue;
            }
            long tat = page[slot + 1];
            if (tat - now > 0) {
                debtors++;
            } else if (!empty && (victim < 0 || tat - victimTat < 0)) {
                victim = slot;
                victimTat = tat;
            }
        }
        return (long) debtors << 32 | (victim & 0xffffffffL);
    }

    private static int debtors(long victim) {
        return (int) (victim >>> 32);
    }

    private long earliest(long[] page, int base, long now) {
        long earliest = Long.MAX_VALUE;
        for (int slot = base, end = base + 2 * ways; slot < end; slot += 2) {
            earliest = Math.min(earliest, page[slot + 1] - now);
        }
        return earliest;
    }

    private long take(long[] page, int tatSlot, long now) {
        long tat = page[tatSlot];
        long start = tat - now > 0 ? tat : now;
        long wait = start - now - toleranceNanos;
        if (wait > 0) {
            return wait;
        }
        page[tatSlot] = start + intervalNanos;
        return 0;
    }

    private long[] page(int index) {
        long[] page = pages.get(index);
        if (page == null) {
            int setsHere = Math.min(SETS_PER_PAGE, sets - index * SETS_PER_PAGE);
            pages.compareAndSet(index, null, new long[setsHere * ways * 2]);
            page = pages.get(index);
        }
        return page;
    }

    /** Non-zero keyed hash of the client's bucket key (the IPv4 address, or the IPv6 prefix). */
    long key(InetAddress client) {
        if (client instanceof Inet4Address) {
            return ipv4Key(AddressBits.ipv4((Inet4Address) client)); // nothing allocated
        }
        byte[] a = client.getAddress();
        return ipv6Key(AddressBits.int64(a, 0), AddressBits.int64(a, 8));
    }

    private long ipv4Key(int address) {
        long h = SipHash.hash(k0, k1, address & 0xffffffffL);
        return h == 0 ? 1 : h;
    }

    private long ipv6Key(long hi, long lo) {
        if (hi == 0 && (lo >>> 32) == 0xffffL) {
            return ipv4Key((int) lo); // IPv4-mapped: the IPv4 client's bucket
        }
        long h = SipHash.hash(k0, k1, hi & CidrSet.v6MaskHi(ipv6PrefixLength), lo & CidrSet.v6MaskLo(ipv6PrefixLength));
        return h == 0 ? 1 : h;
    }

    /** Buckets this table can hold (at most {@code maxClients}). */
    public int capacity() {
        return sets * ways;
    }

    /** Buckets in use now; scans the table, for tests and metrics, not for the request path. */
    public int trackedClients() {
        int n = 0;
        for (int p = 0; p < pages.length(); p++) {
            long[] page = pages.get(p);
            if (page == null) {
                continue;
            }
            synchronized (page) {
                for (int i = 0; i < page.length; i += 2) {
                    if (page[i] != 0) {
                        n++;
                    }
                }
            }
        }
        return n;
    }

    /** Approximate heap bytes held now (the page directory and the pages allocated so far). */
    long retainedBytes() {
        long bytes = 64 + 16 + 4L * pages.length();
        for (int p = 0; p < pages.length(); p++) {
            long[] page = pages.get(p);
            if (page != null) {
                bytes += 16 + 8L * page.length;
            }
        }
        return bytes;
    }

    /** The emission interval: nanoseconds of refill per token. */
    long intervalNanos() {
        return intervalNanos;
    }
}
