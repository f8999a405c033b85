package dev.gatehouse.appliance.cli.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.StringJoiner;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;

/**
 * JSON over HTTPS to the console API with a bearer token. A 2xx answer is returned as JSON (null
 * for 204); an error status becomes {@link ApiRefusedException}; no answer becomes
 * {@link ConsoleUnreachableException}. Bounded in time: 10 s to connect, 60 s per request (uploads
 * wait for an fsync).
 */
final class ConsoleApiClient {

    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final ConsoleSettings settings;

    /** The HTTP client follows from the settings: HTTP/1.1, the connect timeout, {@code --cacert}'s trust. */
    private ConsoleApiClient(ConsoleSettings settings) throws BadOptionException {
        HttpClient.Builder b = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1) // the console speaks HTTP/1.1 only
                .connectTimeout(CONNECT_TIMEOUT);
        if (settings.cacert() != null) {
            b.sslContext(trusting(settings.cacert()));
        }
        this.http = b.build();
        this.settings = settings;
    }

    static ConsoleApiClient connect(ConsoleSettings settings) throws BadOptionException {
        return new ConsoleApiClient(settings);
    }

    /** Items asked per page when following a list's cursors (the console's largest page). */
    static final int LIST_PAGE = 1000;
    static final int MAX_PAGES = 10_000;

    JsonNode get(String path) throws ApiRefusedException, ConsoleUnreachableException {
        return send("GET", path, null);
    }

    /**
     * Every item of a paged list: follows {@code next} cursors until the last page, and answers
     * {@code {"items": [...]}} as one page would have, so callers print it the same way. Bounded
     * by {@link #MAX_PAGES} in case a console keeps answering a cursor.
     */
    JsonNode list(String path) throws ApiRefusedException, ConsoleUnreachableException {
        return list(path, LIST_PAGE);
    }

    /** As {@link #list(String)}, asking {@code pageSize} items per page. */
    JsonNode list(String path, int pageSize) throws ApiRefusedException, ConsoleUnreachableException {
        com.fasterxml.jackson.databind.node.ArrayNode items =
                com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
        String cursor = null;
        int pages = 0;
        do {
            Map<String, String> q = new java.util.LinkedHashMap<>();
            q.put("limit", Integer.toString(pageSize));
            q.put("cursor", cursor);
            JsonNode page = get(query(path, q));
            page.path("items").forEach(items::add);
            JsonNode next = page.path("next");
            cursor = next.isTextual() && !next.asText().isEmpty() ? next.asText() : null;
        } while (cursor != null && ++pages < MAX_PAGES);
        com.fasterxml.jackson.databind.node.ObjectNode all =
                com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        all.set("items", items);
        return all;
    }

    JsonNode post(String path, Object body) throws ApiRefusedException, ConsoleUnreachableException {
        return send("POST", path, body);
    }

    JsonNode put(String path, Object body) throws ApiRefusedException, ConsoleUnreachableException {
        return send("PUT", path, body);
    }

    JsonNode delete(String path) throws ApiRefusedException, ConsoleUnreachableException {
        return send("DELETE", path, null);
    }

    /** One path segment, percent-encoded (ids and names come from the command line). */
    static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** {@code path?k=v&...} with the non-null parameters, percent-encoded. */
    static String query(String path, Map<String, String> params) {
        StringJoiner q = new StringJoiner("&", path + "?", "").setEmptyValue(path);
        params.forEach((k, v) -> {
            if (v != null) {
                q.add(k + "=" + segment(v));
            }
        });
        return q.toString();
    }

    private JsonNode send(String method, String path, Object body) throws ApiRefusedException, ConsoleUnreachableException {
        URI uri = URI.create(settings.console() + path);
        HttpRequest.Builder req = HttpRequest.newBuilder(uri)
                .timeout(REQUEST_TIMEOUT)
                .header("Authorization", "Bearer " + settings.token())
                .header("Accept", "application/json, application/problem+json");
        if (body == null) {
            req.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            req.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofByteArray(json(body)));
        }
        HttpResponse<byte[]> resp;
        try {
            resp = http.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw unreachable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConsoleUnreachableException(settings.console(), "interrupted while waiting for "
                    + settings.console(), e);
        }
        JsonNode json = parse(resp.body());
        int status = resp.statusCode();
        if (status >= 200 && status < 300) {
            if (json == null && resp.body().length > 0) {
                throw new ConsoleUnreachableException(settings.console(), "the answer from " + uri
                        + " is not JSON (is --console the Gatehouse console?)", null);
            }
            return json;
        }
        throw new ApiRefusedException(ApiProblem.of(status, json, uri));
    }

    private ConsoleUnreachableException unreachable(IOException e) {
        URI c = settings.console();
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SSLException) {
                return new ConsoleUnreachableException(c, "TLS failure with " + c + ": " + message(t)
                        + (settings.cacert() == null
                                ? " (pass --cacert with the console's certificate, e.g. " + ConsoleSettings.DEFAULT_CACERT + ")"
                                : " (does " + settings.cacert() + " hold the console's certificate and name this host?)"),
                        e);
            }
        }
        if (e instanceof HttpConnectTimeoutException) {
            return new ConsoleUnreachableException(c, "cannot connect to " + c + ": no answer within "
                    + CONNECT_TIMEOUT.toSeconds() + "s", e);
        }
        if (e instanceof HttpTimeoutException) {
            return new ConsoleUnreachableException(c, "no answer from " + c + " within "
                    + REQUEST_TIMEOUT.toSeconds() + "s", e);
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UnresolvedAddressException || t instanceof UnknownHostException) {
                return new ConsoleUnreachableException(c, "cannot connect to " + c + ": unknown host " + c.getHost(), e);
            }
        }
        String why = message(e);
        if (e instanceof ConnectException && why.equals(e.getClass().getSimpleName())) {
            why = "connection refused (is the node running, with its console on this address?)";
        }
        return new ConsoleUnreachableException(c, "cannot connect to " + c + ": " + why, e);
    }

    /** The first message in the cause chain: the JDK client often throws a ConnectException without one. */
    private static String message(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                return t.getMessage();
            }
        }
        return e.getClass().getSimpleName();
    }

    private static byte[] json(Object body) {
        try {
            return JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("request body is not serializable as JSON", e);
        }
    }

    private static JsonNode parse(byte[] body) {
        if (body.length == 0) {
            return null;
        }
        try {
            return JSON.readTree(body);
        } catch (IOException notJson) {
            return null;
        }
    }

    private static SSLContext trusting(Path pem) throws BadOptionException {
        try {
            Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(Files.readAllBytes(pem)));
            if (certs.isEmpty()) {
                throw new BadOptionException("--cacert", pem + ": no certificate inside (expected: PEM)");
            }
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            int i = 0;
            for (Certificate c : certs) {
                ks.setCertificateEntry("console-" + i++, c);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (IOException e) {
            throw new BadOptionException("--cacert", pem + ": cannot read (" + e.getMessage() + ")");
        } catch (GeneralSecurityException e) {
            throw new BadOptionException("--cacert", pem + ": not a PEM certificate (" + e.getMessage() + ")");
        }
    }
}
