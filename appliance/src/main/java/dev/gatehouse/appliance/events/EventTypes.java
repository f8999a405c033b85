package dev.gatehouse.appliance.events;

import java.util.List;

/** Every event type Gatehouse emits (the webhook {@code types} filter accepts these only). */
public final class EventTypes {

    public static final String DOMAIN_VERIFIED = "domain.verified";
    public static final String DOMAIN_FAILED = "domain.failed";
    public static final String CERTIFICATE_UPLOADED = "certificate.uploaded";
    public static final String CERTIFICATE_REPLACED = "certificate.replaced";
    public static final String CERTIFICATE_DELETED = "certificate.deleted";
    public static final String CERTIFICATE_EXPIRING = "certificate.expiring";
    public static final String ACME_ISSUED = "acme.issued";
    public static final String ACME_RENEWED = "acme.renewed";
    public static final String ACME_FAILED = "acme.failed";
    public static final String VIP_MOVED = "vip.moved";
    public static final String NODE_JOINED = "node.joined";
    public static final String NODE_LEFT = "node.left";

    public static final List<String> ALL = List.of(DOMAIN_VERIFIED, DOMAIN_FAILED, CERTIFICATE_UPLOADED,
            CERTIFICATE_REPLACED, CERTIFICATE_DELETED, CERTIFICATE_EXPIRING, ACME_ISSUED, ACME_RENEWED, ACME_FAILED,
            VIP_MOVED, NODE_JOINED, NODE_LEFT);

    private EventTypes() {
    }
}
