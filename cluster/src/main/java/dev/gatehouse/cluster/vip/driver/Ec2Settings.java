package dev.gatehouse.cluster.vip.driver;

import java.io.IOException;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;

/**
 * How the {@code ec2} VIP driver reaches the instance metadata service and the EC2 API. Built with
 * {@link #builder()}, which rejects nulls and bad values at {@link Builder#build()}; the defaults
 * are right on an EC2 instance with an instance profile, so production sets nothing.
 *
 * @param imdsEndpoint the instance metadata service, {@code http://169.254.169.254} by default
 *                     ({@code http://[fd00:ec2::254]} on IPv6-only instances)
 * @param ec2Endpoint  the EC2 API endpoint; empty means the region's public endpoint. Set for VPC
 *                     interface endpoints, or a local fake in tests
 * @param region       the region, e.g. {@code eu-west-1}; empty means the instance's own region,
 *                     read from instance metadata ({@code placement/region})
 * @param macLookup    maps an interface name to its MAC address, which instance metadata maps to the
 *                     ENI; by default the kernel's answer for the interface in this network namespace
 * @param callTimeout  the bound on one EC2 API call including the SDK's retries, and on one
 *                     metadata request
 * @param credentials  where API credentials come from; empty means the SDK's default chain
 *                     (environment, profile, container, then the instance profile through IMDS)
 * @param mode         what moves: a secondary private IP (one subnet, one zone) or only an Elastic IP
 *                     re-associated to the survivor's primary private address (nodes in different
 *                     subnets and zones)
 */
public record Ec2Settings(URI imdsEndpoint, Optional<URI> ec2Endpoint, Optional<String> region,
                          MacLookup macLookup, Duration callTimeout,
                          Optional<AwsCredentialsProvider> credentials, Mode mode) {

    /** What the driver moves for a VIP. */
    public enum Mode {
        /**
         * The VIP is a secondary private IP moved between ENIs of one subnet (plus an optional Elastic IP
         * associated with it); the address is also added on the local interface.
         */
        SECONDARY_IP,
        /**
         * The VIP is an Elastic IP only, re-associated with the primary private address of the
         * survivor's ENI, wherever its subnet and zone; nothing is added on the local interface (the
         * traffic arrives on the primary address, which the listener accepts).
         */
        ELASTIC_IP
    }

    /** The link-local address every EC2 instance reaches its metadata service on. */
    public static final URI DEFAULT_IMDS_ENDPOINT = URI.create("http://169.254.169.254");
    public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(5);
    static final Duration MIN_CALL_TIMEOUT = Duration.ofMillis(100);
    static final Duration MAX_CALL_TIMEOUT = Duration.ofSeconds(60);

    public Ec2Settings {
        Objects.requireNonNull(imdsEndpoint, "imdsEndpoint");
        Objects.requireNonNull(ec2Endpoint, "ec2Endpoint");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(macLookup, "macLookup");
        Objects.requireNonNull(callTimeout, "callTimeout");
        Objects.requireNonNull(credentials, "credentials");
        Objects.requireNonNull(mode, "mode");
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Finds the MAC address of an interface, as instance metadata spells it: {@code 0a:1b:2c:3d:4e:5f}. */
    @FunctionalInterface
    public interface MacLookup {

        /**
         * The MAC of {@code interfaceName} in lower-case hex pairs separated by colons.
         *
         * @throws IOException if there is no such interface or it has no hardware address
         */
        String mac(String interfaceName) throws IOException;

        /**
         * Asks the kernel through {@link NetworkInterface}, which answers for the network namespace
         * of this process. {@code /sys/class/net} would show the namespace sysfs was mounted in,
         * which inside a container may be the host's.
         */
        static MacLookup kernel() {
            return interfaceName -> {
                NetworkInterface nic;
                byte[] raw;
                try {
                    nic = NetworkInterface.getByName(interfaceName);
                    raw = nic == null ? null : nic.getHardwareAddress();
                } catch (SocketException e) {
                    throw new IOException("interface " + interfaceName + ": " + e.getMessage(), e);
                }
                if (nic == null) {
                    throw new IOException("interface " + interfaceName + ": no such interface");
                }
                if (raw == null || raw.length != 6) {
                    throw new IOException("interface " + interfaceName + ": no Ethernet hardware address");
                }
                StringBuilder mac = new StringBuilder(17);
                for (byte b : raw) {
                    if (mac.length() > 0) {
                        mac.append(':');
                    }
                    mac.append(String.format(Locale.ROOT, "%02x", b & 0xff));
                }
                return mac.toString();
            };
        }
    }

    @Override
    public String toString() {
        return "Ec2Settings[imds=" + imdsEndpoint + " ec2=" + ec2Endpoint.map(URI::toString).orElse("(region default)")
                + " region=" + region.orElse("(from IMDS)") + " callTimeout=" + callTimeout
                + " credentials=" + (credentials.isPresent() ? "explicit" : "default chain") + " mode=" + mode + "]";
    }

    /** Builds {@link Ec2Settings}. */
    public static final class Builder {
        private URI imdsEndpoint = DEFAULT_IMDS_ENDPOINT;
        private URI ec2Endpoint;
        private String region;
        private MacLookup macLookup = MacLookup.kernel();
        private Duration callTimeout = DEFAULT_CALL_TIMEOUT;
        private AwsCredentialsProvider credentials;
        private Mode mode = Mode.SECONDARY_IP;

        private Builder() {
        }

        public Builder imdsEndpoint(URI v) {
            imdsEndpoint = Objects.requireNonNull(v, "imdsEndpoint");
            return this;
        }

        /** Overrides the EC2 API endpoint (a VPC endpoint, or a fake); null restores the default. */
        public Builder ec2Endpoint(URI v) {
            ec2Endpoint = v;
            return this;
        }

        /** Overrides the region; null restores reading it from instance metadata. */
        public Builder region(String v) {
            region = v;
            return this;
        }

        public Builder macLookup(MacLookup v) {
            macLookup = Objects.requireNonNull(v, "macLookup");
            return this;
        }

        public Builder callTimeout(Duration v) {
            callTimeout = Objects.requireNonNull(v, "callTimeout");
            return this;
        }

        /** Explicit credentials (tests, or keys from a vault); null restores the SDK's default chain. */
        public Builder credentials(AwsCredentialsProvider v) {
            credentials = v;
            return this;
        }

        public Builder mode(Mode v) {
            mode = Objects.requireNonNull(v, "mode");
            return this;
        }

        /** @throws IllegalArgumentException naming the field, its value and what was expected */
        public Ec2Settings build() {
            checkEndpoint("imdsEndpoint", imdsEndpoint, "e.g. " + DEFAULT_IMDS_ENDPOINT);
            if (ec2Endpoint != null) {
                checkEndpoint("ec2Endpoint", ec2Endpoint, "e.g. https://ec2.eu-west-1.amazonaws.com");
            }
            if (region != null && !region.matches("[a-z]{2}(-[a-z]+)+-\\d{1,2}")) {
                throw new IllegalArgumentException("region: '" + region + "' (expected: a region such as eu-west-1,"
                        + " or unset to read it from instance metadata)");
            }
            if (callTimeout.compareTo(MIN_CALL_TIMEOUT) < 0 || callTimeout.compareTo(MAX_CALL_TIMEOUT) > 0) {
                throw new IllegalArgumentException("callTimeout: " + format(callTimeout) + " (expected: "
                        + format(MIN_CALL_TIMEOUT) + ".." + format(MAX_CALL_TIMEOUT) + ")");
            }
            return new Ec2Settings(imdsEndpoint, Optional.ofNullable(ec2Endpoint), Optional.ofNullable(region),
                    macLookup, callTimeout, Optional.ofNullable(credentials), mode);
        }

        private static void checkEndpoint(String field, URI uri, String example) {
            String scheme = uri.getScheme();
            boolean ok = ("http".equals(scheme) || "https".equals(scheme)) && uri.getHost() != null
                    && (uri.getRawPath() == null || uri.getRawPath().isEmpty() || "/".equals(uri.getRawPath()))
                    && uri.getRawQuery() == null && uri.getRawUserInfo() == null;
            if (!ok) {
                throw new IllegalArgumentException(field + ": '" + uri + "' (expected: http(s)://host[:port] without"
                        + " path, " + example + ")");
            }
        }

        private static String format(Duration d) {
            return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
        }
    }
}
