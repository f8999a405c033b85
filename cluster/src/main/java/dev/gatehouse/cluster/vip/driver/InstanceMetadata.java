package dev.gatehouse.cluster.vip.driver;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Reads EC2 instance metadata with IMDSv2 only: a session token from {@code PUT /latest/api/token}
 * (header {@code X-aws-ec2-metadata-token-ttl-seconds}), then every {@code GET} carries it in
 * {@code X-aws-ec2-metadata-token}. Never falls back to IMDSv1, so it works on instances that
 * require tokens ({@code HttpTokens=required}), which is what AWS recommends.
 *
 * <p>Why not the SDK's {@code Ec2MetadataClient} (module {@code imds})? The driver reads three
 * short strings once; a small {@link HttpClient} client keeps the token handling visible (PUT
 * first, refresh on 401, no v1 fallback), needs no second SDK HTTP client, never goes through a
 * proxy (the JDK client uses none unless told to) and reports errors naming the metadata path and
 * the HTTP status, which is what an operator needs when the hop limit or IMDS settings are wrong.
 *
 * <p>Thread-safe; the token is cached until shortly before it expires.
 */
final class InstanceMetadata {

    static final String TOKEN_PATH = "/latest/api/token";
    static final String METADATA_PATH = "/latest/meta-data/";
    static final String TOKEN_HEADER = "X-aws-ec2-metadata-token";
    static final String TTL_HEADER = "X-aws-ec2-metadata-token-ttl-seconds";
    static final Duration TOKEN_TTL = Duration.ofHours(6); // the longest IMDS grants
    private static final Duration TOKEN_MARGIN = Duration.ofMinutes(1);

    private final URI endpoint;
    private final Duration timeout;
    private final HttpClient http;
    private final Clock clock;
    private String token;
    private Instant tokenExpiry = Instant.MIN;

    InstanceMetadata(URI endpoint, Duration timeout, Clock clock) {
        String base = endpoint.toString();
        this.endpoint = URI.create(base.endsWith("/") ? base.substring(0, base.length() - 1) : base);
        this.timeout = timeout;
        this.clock = clock;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1) // IMDS speaks HTTP/1.1 only; no h2c upgrade offer
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /**
     * The value at {@code path} under {@code /latest/meta-data/}, e.g. {@code instance-id}, trimmed.
     *
     * @throws MetadataException naming the path and what went wrong
     */
    String get(String path) throws MetadataException {
        HttpResponse<String> response = send(path, token(false));
        if (response.statusCode() == 401) {
            // the token expired early (IMDS restarted, clock jump): take a new one, once
            response = send(path, token(true));
        }
        if (response.statusCode() != 200) {
            throw new MetadataException(path, "HTTP " + response.statusCode()
                    + (response.statusCode() == 404 ? " (no such metadata item)" : ""));
        }
        String value = response.body().trim();
        if (value.isEmpty()) {
            throw new MetadataException(path, "empty answer");
        }
        return value;
    }

    private HttpResponse<String> send(String path, String sessionToken) throws MetadataException {
        HttpRequest request = HttpRequest.newBuilder(endpoint.resolve(METADATA_PATH + path))
                .timeout(timeout)
                .header(TOKEN_HEADER, sessionToken)
                .GET()
                .build();
        return exchange(path, request);
    }

    private synchronized String token(boolean renew) throws MetadataException {
        Instant now = clock.instant();
        if (!renew && token != null && now.isBefore(tokenExpiry)) {
            return token;
        }
        HttpRequest request = HttpRequest.newBuilder(endpoint.resolve(TOKEN_PATH))
                .timeout(timeout)
                .header(TTL_HEADER, Long.toString(TOKEN_TTL.toSeconds()))
                .PUT(HttpRequest.BodyPublishers.noBody())
                .build();
        HttpResponse<String> response = exchange("api/token", request);
        if (response.statusCode() != 200 || response.body().isBlank()) {
            String why = switch (response.statusCode()) {
                case 403 -> " (IMDS is disabled on this instance)";
                case 400 -> " (the token request was refused as malformed)";
                default -> "";
            };
            throw new MetadataException("api/token", "IMDSv2 token request answered HTTP " + response.statusCode() + why);
        }
        token = response.body().trim();
        tokenExpiry = now.plus(TOKEN_TTL).minus(TOKEN_MARGIN);
        return token;
    }

    private HttpResponse<String> exchange(String path, HttpRequest request) throws MetadataException {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (HttpTimeoutException e) {
            // the classic cause inside a container: the PUT's answer dies at hop limit 1
            throw new MetadataException(path, "no answer from " + endpoint + " within " + timeout
                    + " (not on EC2, or the instance's metadata hop limit is too low for a container)");
        } catch (IOException e) {
            throw new MetadataException(path, "cannot reach " + endpoint + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MetadataException(path, "interrupted");
        }
    }

    /** A metadata request failed: which item, and why. */
    static final class MetadataException extends Exception {
        private final String path;

        MetadataException(String path, String reason) {
            super("instance metadata " + path + ": " + reason);
            this.path = path;
        }

        String path() {
            return path;
        }
    }
}
