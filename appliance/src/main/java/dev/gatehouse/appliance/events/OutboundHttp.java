package dev.gatehouse.appliance.events;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The HTTP client of a duty that calls out to addresses tenants name (webhook receivers, OCSP
 * responders): one timeout for connecting and again for the answer, redirects never followed (a 3xx
 * is an answer like any other), and Gatehouse's {@code User-Agent} on every request. Whether the
 * address may be called at all is {@link PrivateTargets}' question, asked before.
 */
public final class OutboundHttp {

    private final HttpClient client;
    private final Duration timeout;
    private final String userAgent;

    /** @param version the HTTP version the client prefers ({@code HTTP_2} is the JDK's default) */
    public OutboundHttp(Duration timeout, String userAgent, HttpClient.Version version) {
        this.client = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER)
                .version(version).build();
        this.timeout = timeout;
        this.userAgent = userAgent;
    }

    /** A POST of {@code body} as {@code contentType}; the caller adds its own headers and builds it. */
    public HttpRequest.Builder post(URI target, String contentType, byte[] body) {
        return HttpRequest.newBuilder(target).timeout(timeout)
                .header("Content-Type", contentType)
                .header("User-Agent", userAgent)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    }

    public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> answer)
            throws IOException, InterruptedException {
        return client.send(request, answer);
    }
}
