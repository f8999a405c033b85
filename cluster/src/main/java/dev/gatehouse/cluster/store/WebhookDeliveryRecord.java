package dev.gatehouse.cluster.store;

import java.util.Objects;

/**
 * Where the delivery of one webhook stands, written by the node holding the delivery lease after
 * each attempt; the next holder resumes from {@link #deliveredSeq}.
 *
 * @param webhook        the webhook's id (store key)
 * @param deliveredSeq   cursor up to which every event this webhook receives was acknowledged (2xx)
 * @param delivered      events acknowledged so far
 * @param failures       consecutive failed attempts at the current event
 * @param pendingEvent   id of the event being attempted, null when none is failing
 * @param lastAttemptAt  epoch milliseconds, 0 before the first
 * @param lastStatus     HTTP status of the last attempt, 0 when it got none (connect error, timeout)
 * @param lastError      why the last attempt failed, null when it succeeded
 * @param nextAttemptAt  epoch milliseconds before which the next attempt waits (backoff), 0: now
 * @param revision       write revision
 */
public record WebhookDeliveryRecord(String webhook, long deliveredSeq, long delivered, int failures,
        String pendingEvent, long lastAttemptAt, int lastStatus, String lastError, long nextAttemptAt,
        long revision) {

    public WebhookDeliveryRecord {
        Objects.requireNonNull(webhook, "webhook");
    }
}
