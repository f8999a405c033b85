package dev.gatehouse.appliance.events;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The signature a receiver checks: header {@value #HEADER}{@code : t=<unix seconds>,v1=<hex>} where
 * {@code hex = lowercase hex(HMAC-SHA256(key = UTF-8 bytes of the secret, message = t + "." + body))}
 * over the exact body bytes. A receiver recomputes it, compares in constant time, and refuses a
 * {@code t} too far from its clock (e.g. 5 minutes) so a captured delivery cannot be replayed later.
 */
public final class WebhookSignature {

    public static final String HEADER = "Gatehouse-Signature";
    public static final String EVENT_ID = "Gatehouse-Event-Id";
    public static final String EVENT_TYPE = "Gatehouse-Event-Type";
    public static final String TIMESTAMP = "Gatehouse-Timestamp";
    public static final String ATTEMPT = "Gatehouse-Delivery-Attempt";
    public static final String WEBHOOK = "Gatehouse-Webhook-Id";

    private WebhookSignature() {
    }

    /** {@code t=...,v1=...} for a body sent at {@code epochSeconds}. */
    public static String header(String secret, long epochSeconds, byte[] body) {
        return "t=" + epochSeconds + ",v1=" + hex(secret, epochSeconds, body);
    }

    static String hex(String secret, long epochSeconds, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((epochSeconds + ".").getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What a receiver does (used by the tests, and a reference for integrators). */
    public static boolean verify(String secret, String header, byte[] body, long nowSeconds, long toleranceSeconds) {
        if (header == null) {
            return false;
        }
        long t = -1;
        String v1 = null;
        for (String part : header.split(",")) {
            if (part.startsWith("t=")) {
                try {
                    t = Long.parseLong(part.substring(2));
                } catch (NumberFormatException e) {
                    return false;
                }
            } else if (part.startsWith("v1=")) {
                v1 = part.substring(3);
            }
        }
        if (t < 0 || v1 == null || Math.abs(nowSeconds - t) > toleranceSeconds) {
            return false;
        }
        return MessageDigest.isEqual(hex(secret, t, body).getBytes(StandardCharsets.US_ASCII),
                v1.getBytes(StandardCharsets.US_ASCII));
    }
}
