package dev.gatehouse.cluster.membership;

/** The channel could not be created or connected; carries which node and cluster. */
public final class MembershipException extends Exception {

    private final String nodeName;
    private final String clusterName;

    MembershipException(String nodeName, String clusterName, String what, Throwable cause) {
        super("node=" + nodeName + " cluster=" + clusterName + ": " + what + ": " + cause.getMessage(), cause);
        this.nodeName = nodeName;
        this.clusterName = clusterName;
    }

    public String nodeName() {
        return nodeName;
    }

    public String clusterName() {
        return clusterName;
    }
}
