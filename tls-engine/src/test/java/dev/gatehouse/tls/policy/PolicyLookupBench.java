package dev.gatehouse.tls.policy;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Speed and size of the per-hostname policy structures, run by {@code bench/policy-lookup.sh} (a main class on the
 * test classpath, not a unit test: timings belong in benchmarks, not in assertions). Prints {@code key=value}
 * lines: build time of a 10,000-entry {@link CidrSet} (first build in a fresh JVM, and warm), its size, lookups a
 * second and bytes allocated per lookup; {@link ClientRateLimiter} acquires a second on one and two threads and
 * bytes allocated per acquire.
 *
 * <p>Arguments: {@code [seconds per measurement, default 3] [entries, default 10000]}.
 */
public final class PolicyLookupBench {

    private static volatile long sink;

    private PolicyLookupBench() {
    }

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
        int entries = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        long window = (long) (seconds * 1e9);
        Random random = new Random(14);
        List<byte[]> networks = new ArrayList<>();
        List<String> cidrs = cidrs(random, entries, networks);

        java.lang.management.ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        long t0 = System.nanoTime();
        long c0 = cpu.getCurrentThreadCpuTime();
        CidrSet set = CidrSet.parse("ipAllow", cidrs);
        long coldCpu = cpu.getCurrentThreadCpuTime() - c0;
        long coldNanos = System.nanoTime() - t0;
        long[] warm = new long[30];
        long[] warmCpu = new long[30];
        for (int i = 0; i < warm.length; i++) {
            long t = System.nanoTime();
            long c = cpu.getCurrentThreadCpuTime();
            set = CidrSet.parse("ipAllow", cidrs);
            warmCpu[i] = cpu.getCurrentThreadCpuTime() - c;
            warm[i] = System.nanoTime() - t;
        }
        Arrays.sort(warm);
        Arrays.sort(warmCpu);
        long heapBefore = usedHeapAfterGc();
        CidrSet[] held = new CidrSet[200];
        for (int i = 0; i < held.length; i++) {
            held[i] = CidrSet.parse("ipAllow", cidrs);
        }
        long heapPerSet = (usedHeapAfterGc() - heapBefore) / held.length;
        sink += held.length;
        System.out.printf("cidrset entries=%d distinct=%d intervals=%d build_first_ms=%.1f (cpu %.1f)"
                        + " build_warm_median_ms=%.2f (cpu %.2f) retained_bytes=%d heap_bytes_measured=%d%n",
                entries, set.size(), set.intervals(), coldNanos / 1e6, coldCpu / 1e6, warm[warm.length / 2] / 1e6,
                warmCpu[warm.length / 2] / 1e6, set.retainedBytes(), heapPerSet);

        InetAddress[] queries = queries(random, networks, 1 << 16);
        byte[][] raw = new byte[queries.length][];
        for (int i = 0; i < queries.length; i++) {
            raw[i] = queries[i].getAddress();
        }
        CidrSet s = set;
        measure("cidrset_contains_inetaddress", window, n -> {
            int hits = 0;
            for (long i = 0; i < n; i++) {
                hits += s.contains(queries[(int) i & (queries.length - 1)]) ? 1 : 0;
            }
            return hits;
        });
        measure("cidrset_contains_bytes", window, n -> {
            int hits = 0;
            for (long i = 0; i < n; i++) {
                hits += s.contains(raw[(int) i & (raw.length - 1)]) ? 1 : 0;
            }
            return hits;
        });

        InetAddress[] clients = new InetAddress[1 << 16];
        for (int i = 0; i < clients.length; i++) {
            clients[i] = InetAddress.getByAddress(random.nextInt(4) == 0 ? bytes(random, 16) : bytes(random, 4));
        }
        ClientRateLimiter limiter = new ClientRateLimiter(100, 50, 100_000);
        AtomicLong clock = new AtomicLong(System.nanoTime());
        measure("ratelimiter_acquire_65536_clients", window, n -> {
            long granted = 0;
            long now = clock.get();
            for (long i = 0; i < n; i++) {
                now += 100;
                granted += limiter.acquire(clients[(int) i & (clients.length - 1)], now) == 0 ? 1 : 0;
            }
            clock.set(now);
            return granted;
        });
        byte[][] clientBytes = new byte[clients.length][];
        for (int i = 0; i < clients.length; i++) {
            clientBytes[i] = clients[i].getAddress();
        }
        measure("ratelimiter_acquire_bytes_65536_clients", window, n -> {
            long granted = 0;
            long now = clock.get();
            for (long i = 0; i < n; i++) {
                now += 100;
                granted += limiter.acquire(clientBytes[(int) i & (clientBytes.length - 1)], now) == 0 ? 1 : 0;
            }
            clock.set(now);
            return granted;
        });
        InetAddress one = clients[0];
        measure("ratelimiter_acquire_one_client", window, n -> {
            long granted = 0;
            long now = clock.get();
            for (long i = 0; i < n; i++) {
                now += 100;
                granted += limiter.acquire(one, now) == 0 ? 1 : 0;
            }
            clock.set(now);
            return granted;
        });
        twoThreads(limiter, clients, window);
        System.out.printf("ratelimiter max_clients=100000 tracked=%d retained_bytes=%d%n",
                limiter.trackedClients(), limiter.retainedBytes());
    }

    /** Runs {@code body} with growing counts until it takes {@code window}; prints the rate and allocation. */
    private static void measure(String name, long window, Body body) {
        long n = 10_000;
        for (int i = 0; i < 5; i++) { // warm-up: the JIT compiles the loop and what it calls
            body.run(n);
        }
        long elapsed;
        long allocated;
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        while (true) {
            long a0 = threads.getCurrentThreadAllocatedBytes();
            long t0 = System.nanoTime();
            sink += body.run(n);
            elapsed = System.nanoTime() - t0;
            allocated = threads.getCurrentThreadAllocatedBytes() - a0;
            if (elapsed >= window / 4) {
                break;
            }
            n *= 2;
        }
        long target = (long) (n * (double) window / elapsed);
        long a0 = threads.getCurrentThreadAllocatedBytes();
        long c0 = threads.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        sink += body.run(target);
        elapsed = System.nanoTime() - t0;
        long cpu = threads.getCurrentThreadCpuTime() - c0;
        allocated = threads.getCurrentThreadAllocatedBytes() - a0;
        System.out.printf("%s ops_per_s=%.0f ns_per_op=%.1f cpu_ops_per_s=%.0f cpu_ns_per_op=%.1f"
                        + " alloc_bytes_per_op=%.2f ops=%d%n",
                name, target / (elapsed / 1e9), elapsed / (double) target, target / (cpu / 1e9),
                cpu / (double) target, allocated / (double) target, target);
    }

    private static void twoThreads(ClientRateLimiter limiter, InetAddress[] clients, long window) throws Exception {
        AtomicLong ops = new AtomicLong();
        CountDownLatch start = new CountDownLatch(1);
        long[] deadline = new long[1];
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            int offset = t * 7919;
            Thread w = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                long n = 0;
                long granted = 0;
                while (System.nanoTime() < deadline[0]) {
                    for (int i = 0; i < 1024; i++) {
                        granted += limiter.acquire(clients[(int) (n + offset + i) & (clients.length - 1)],
                                System.nanoTime()) == 0 ? 1 : 0;
                    }
                    n += 1024;
                }
                ops.addAndGet(n);
                sink += granted;
            }, "bench-acquire-" + t);
            workers.add(w);
            w.start();
        }
        long t0 = System.nanoTime();
        deadline[0] = t0 + window;
        start.countDown();
        for (Thread w : workers) {
            w.join();
        }
        long elapsed = System.nanoTime() - t0;
        System.out.printf("ratelimiter_acquire_2_threads ops_per_s=%.0f (System.nanoTime per call included)%n",
                ops.get() / (elapsed / 1e9));
    }

    private interface Body {
        long run(long n);
    }

    /** 70% IPv4 with mostly long prefixes in a few clustered /8s, 30% IPv6 /32 to /128: overlaps included. */
    static List<String> cidrs(Random random, int n, List<byte[]> networks) throws UnknownHostException {
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            boolean v4 = random.nextInt(10) < 7;
            byte[] a = bytes(random, v4 ? 4 : 16);
            if (random.nextBoolean()) {
                a[0] = (byte) (10 + random.nextInt(4));
            }
            if (!v4) {
                a[0] = (byte) (0x20 | (a[0] & 0x0f));
            }
            int max = v4 ? 32 : 128;
            int bits = random.nextInt(8) == 0 ? 8 + random.nextInt(max - 7) : max - random.nextInt(9);
            out.add(InetAddress.getByAddress(a).getHostAddress() + "/" + bits);
            networks.add(a);
        }
        return out;
    }

    private static InetAddress[] queries(Random random, List<byte[]> networks, int n) throws UnknownHostException {
        InetAddress[] out = new InetAddress[n];
        for (int i = 0; i < n; i++) {
            if (random.nextBoolean()) {
                out[i] = InetAddress.getByAddress(bytes(random, random.nextInt(10) < 7 ? 4 : 16));
            } else {
                byte[] a = networks.get(random.nextInt(networks.size())).clone();
                a[a.length - 1] ^= (byte) random.nextInt(256);
                out[i] = InetAddress.getByAddress(a);
            }
        }
        return out;
    }

    private static byte[] bytes(Random random, int length) {
        byte[] a = new byte[length];
        random.nextBytes(a);
        return a;
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }
}
