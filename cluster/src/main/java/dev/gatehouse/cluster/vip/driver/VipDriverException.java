package dev.gatehouse.cluster.vip.driver;

/** A driver could not claim, release or inspect a VIP; the message names the VIP and the cause. */
public final class VipDriverException extends Exception {

    private final String vip;

    public VipDriverException(String vip, String message, Throwable cause) {
        super(vip + ": " + message, cause);
        this.vip = vip;
    }

    public VipDriverException(String vip, String message) {
        this(vip, message, null);
    }

    /** The VIP concerned (its address), or {@code *} for the driver as a whole. */
    public String vip() {
        return vip;
    }
}
