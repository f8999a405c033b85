package dev.gatehouse.appliance.events;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.IntSupplier;

/**
 * A real webhook receiver on 127.0.0.1 (the JDK's HTTP server): records every request (headers,
 * body) and answers with the status {@code answer} gives for the n-th request (1-based).
 */
public final class Receiver implements AutoCloseable {

    /** One request as received. */
    public record Hit(Map<String, List<String>> headers, byte[] body) {

        public String header(String name) {
            for (Map.Entry<String, List<String>> e : headers.entrySet()) {
                if (e.getKey() != null && e.getKey().equalsIgnoreCase(name)) {
                    return e.getValue().get(0);
                }
            }
            return null;
        }
    }

    /** Decides the status of a request; may block (a slow receiver). */
    public interface Answer {
        int status(int n, Hit hit) throws InterruptedException;
    }

    public final List<Hit> hits = new CopyOnWriteArrayList<>();
    private final HttpServer server;
    private final ExecutorService pool = Executors.newFixedThreadPool(4);

    public Receiver(Answer answer) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.createContext("/hook", ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            Hit hit = new Hit(Map.copyOf(ex.getRequestHeaders()), body);
            int n;
            synchronized (hits) {
                hits.add(hit);
                n = hits.size();
            }
            int status;
            try {
                status = answer.status(n, hit);
            } catch (InterruptedException e) {
                status = 503;
            }
            ex.sendResponseHeaders(status, -1);
            ex.close();
        });
        server.setExecutor(pool);
        server.start();
    }

    public static Receiver answering(IntSupplier status) throws IOException {
        return new Receiver((n, h) -> status.getAsInt());
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}
