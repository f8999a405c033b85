package dev.gatehouse.appliance.testing;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * A tiny authoritative DNS server on UDP loopback for tests (dnsjava for the wire format): answers
 * A queries for the names it was given, NOERROR without answer for other types of those names,
 * NXDOMAIN for anything else. Answers for a name marked slow are held until {@link #release} (or
 * {@code maxHold}): a nameserver that takes its time, deterministically.
 */
public final class SlowDns implements AutoCloseable {

    private final DatagramSocket socket;
    private final Map<Name, InetAddress> names = new ConcurrentHashMap<>();
    private final Map<Name, AtomicInteger> queries = new ConcurrentHashMap<>();
    private final Map<Name, Boolean> slow = new ConcurrentHashMap<>();
    private final CountDownLatch released = new CountDownLatch(1);
    private final long maxHoldMillis;
    private final ExecutorService answering = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "slow-dns-answer");
        t.setDaemon(true);
        return t;
    });
    private final Thread receiver;
    private final int ttlSeconds;

    /** Starts on 127.0.0.1 (an ephemeral port); held answers go out at {@code maxHoldMillis} at the latest. */
    public SlowDns(long maxHoldMillis, int ttlSeconds) throws SocketException {
        this.socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        this.maxHoldMillis = maxHoldMillis;
        this.ttlSeconds = ttlSeconds;
        this.receiver = new Thread(this::receive, "slow-dns");
        receiver.setDaemon(true);
        receiver.start();
    }

    /** Answers {@code name} with {@code address}; {@code held}: only after {@link #release}. */
    public SlowDns name(String name, String address, boolean held) throws IOException {
        Name n = Name.fromString(name.endsWith(".") ? name : name + ".");
        names.put(n, InetAddress.getByName(address));
        slow.put(n, held);
        return this;
    }

    public int port() {
        return socket.getLocalPort();
    }

    /** Queries received for {@code name} (any type). */
    public int queries(String name) {
        try {
            AtomicInteger n = queries.get(Name.fromString(name.endsWith(".") ? name : name + "."));
            return n == null ? 0 : n.get();
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** Lets every held answer go, now and from now on. */
    public void release() {
        released.countDown();
    }

    private void receive() {
        byte[] buf = new byte[4096];
        while (!socket.isClosed()) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(p);
                Message query = new Message(java.util.Arrays.copyOf(p.getData(), p.getLength()));
                InetSocketAddress from = (InetSocketAddress) p.getSocketAddress();
                answering.execute(() -> answer(query, from));
            } catch (IOException e) {
                if (socket.isClosed()) {
                    return;
                }
            }
        }
    }

    private void answer(Message query, InetSocketAddress to) {
        Record q = query.getQuestion();
        Message reply = new Message(query.getHeader().getID());
        reply.getHeader().setFlag(Flags.QR);
        reply.getHeader().setFlag(Flags.AA);
        if (query.getHeader().getFlag(Flags.RD)) {
            reply.getHeader().setFlag(Flags.RD);
        }
        reply.getHeader().setFlag(Flags.RA);
        reply.addRecord(q, Section.QUESTION);
        InetAddress a = names.get(q.getName());
        queries.computeIfAbsent(q.getName(), k -> new AtomicInteger()).incrementAndGet();
        if (a == null) {
            reply.getHeader().setRcode(Rcode.NXDOMAIN);
        } else if (q.getType() == Type.A) {
            reply.addRecord(new ARecord(q.getName(), DClass.IN, ttlSeconds, a), Section.ANSWER);
        }
        if (Boolean.TRUE.equals(slow.get(q.getName()))) {
            try {
                released.await(maxHoldMillis, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        byte[] wire = reply.toWire();
        try {
            socket.send(new DatagramPacket(wire, wire.length, to));
        } catch (IOException e) {
            // closed meanwhile
        }
    }

    @Override
    public void close() {
        released.countDown();
        socket.close();
        answering.shutdownNow();
        try {
            receiver.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
