package dev.gatehouse.cluster.vip.driver;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.Ec2ClientBuilder;
import software.amazon.awssdk.services.ec2.model.Address;
import software.amazon.awssdk.services.ec2.model.NetworkInterface;
import software.amazon.awssdk.services.ec2.model.NetworkInterfacePrivateIpAddress;
import software.amazon.awssdk.utils.SdkAutoCloseable;

/**
 * The EC2 calls the driver makes, each turning an SDK failure into a {@link VipDriverException}
 * that names the VIP, the API action and AWS's error code, e.g.
 * {@code 198.18.0.100: AssignPrivateIpAddresses failed: UnauthorizedOperation (You are not
 * authorized to perform this operation.) status=403 requestId=...}. The SDK exception stays the
 * cause, so callers can still read {@link AwsServiceException#awsErrorDetails()}.
 *
 * <p>An error that can only mean "someone else has it now" is answered here as {@code false},
 * because the driver treats it as success: see {@link #disassociate}.
 */
final class Ec2Api implements AutoCloseable {

    /** UnassignPrivateIpAddresses for an address not on the ENI (any more). */
    static final String INVALID_PARAMETER_VALUE = "InvalidParameterValue";
    /** AssignPrivateIpAddresses without reassignment, for an address on another ENI. */
    static final String ADDRESS_IN_USE = "PrivateIpAddressInUse";
    /** DisassociateAddress for an association that no longer exists (the address moved). */
    static final String ASSOCIATION_NOT_FOUND = "InvalidAssociationID.NotFound";

    private final Ec2Client ec2;
    private final SdkAutoCloseable ownCredentials;

    Ec2Api(Ec2Client ec2, SdkAutoCloseable ownCredentials) {
        this.ec2 = ec2;
        this.ownCredentials = ownCredentials;
    }

    /**
     * A client for {@code region}: the JDK's HttpURLConnection underneath, the SDK's standard retry
     * strategy (3 attempts, exponential backoff with jitter, throttling-aware), and the whole call,
     * retries included, bounded by {@link Ec2Settings#callTimeout()}; one attempt gets at most half
     * of it, so a stalled connection leaves room for a second try.
     */
    static Ec2Api create(Ec2Settings settings, String region) {
        DefaultCredentialsProvider defaultChain = settings.credentials().isPresent() ? null
                : DefaultCredentialsProvider.builder().build();
        AwsCredentialsProvider credentials = settings.credentials().orElse(defaultChain);
        Duration timeout = settings.callTimeout();
        Duration connect = timeout.compareTo(Duration.ofSeconds(2)) < 0 ? timeout : Duration.ofSeconds(2);
        Ec2ClientBuilder builder = Ec2Client.builder()
                .region(Region.of(region))
                .credentialsProvider(credentials)
                .httpClientBuilder(UrlConnectionHttpClient.builder().connectionTimeout(connect).socketTimeout(timeout))
                .overrideConfiguration(c -> c
                        .retryStrategy(RetryMode.STANDARD)
                        .apiCallTimeout(timeout)
                        .apiCallAttemptTimeout(timeout.dividedBy(2)));
        settings.ec2Endpoint().ifPresent(builder::endpointOverride);
        return new Ec2Api(builder.build(), defaultChain);
    }

    /** Moves {@code ip} to {@code eni} as a secondary private address, from wherever it is. */
    void assign(String vip, String eni, String ip) throws VipDriverException {
        call(vip, "AssignPrivateIpAddresses", () -> ec2.assignPrivateIpAddresses(r -> r
                .networkInterfaceId(eni).privateIpAddresses(ip).allowReassignment(true)));
    }

    /**
     * Removes secondary address {@code ip} from {@code eni}. EC2 refuses with
     * {@value #INVALID_PARAMETER_VALUE} when the address is not on {@code eni} (any more): it never
     * takes an address off another ENI, so a race with the new owner cannot hurt it.
     */
    void unassign(String vip, String eni, String ip) throws VipDriverException {
        call(vip, "UnassignPrivateIpAddresses", () -> ec2.unassignPrivateIpAddresses(r -> r
                .networkInterfaceId(eni).privateIpAddresses(ip)));
    }

    /** Associates Elastic IP {@code allocationId} with {@code ip} on {@code eni}, from wherever it is. */
    void associate(String vip, String allocationId, String eni, String ip) throws VipDriverException {
        call(vip, "AssociateAddress", () -> ec2.associateAddress(r -> r
                .allocationId(allocationId).networkInterfaceId(eni).privateIpAddress(ip).allowReassociation(true)));
    }

    /**
     * Ends association {@code associationId}.
     *
     * @return false if it no longer exists: the address was re-associated elsewhere meanwhile
     */
    boolean disassociate(String vip, String associationId) throws VipDriverException {
        try {
            call(vip, "DisassociateAddress", () -> ec2.disassociateAddress(r -> r.associationId(associationId)));
            return true;
        } catch (VipDriverException e) {
            if (ASSOCIATION_NOT_FOUND.equals(errorCode(e))) {
                return false;
            }
            throw e;
        }
    }

    /** The private addresses of each of {@code enis}, primary ones included. */
    Map<String, EniAddresses> privateAddresses(String vip, Collection<String> enis) throws VipDriverException {
        return byId(call(vip, "DescribeNetworkInterfaces", () -> ec2.describeNetworkInterfaces(r -> r
                .networkInterfaceIds(enis)).networkInterfaces()), NetworkInterface::networkInterfaceId,
                EniAddresses::of);
    }

    /** Where each of the Elastic IP allocations {@code allocationIds} is associated now. */
    Map<String, Association> associations(String vip, Collection<String> allocationIds) throws VipDriverException {
        return byId(call(vip, "DescribeAddresses", () -> ec2.describeAddresses(r -> r
                .allocationIds(allocationIds)).addresses()), Address::allocationId, Association::of);
    }

    @Override
    public void close() {
        ec2.close();
        if (ownCredentials != null) {
            ownCredentials.close(); // a provider we made; one passed in belongs to the caller
        }
    }

    /** The AWS error code behind {@code e}, e.g. {@code UnauthorizedOperation}, or null. */
    static String errorCode(VipDriverException e) {
        if (e.getCause() instanceof AwsServiceException s && s.awsErrorDetails() != null) {
            return s.awsErrorDetails().errorCode();
        }
        return null;
    }

    private static <T> T call(String vip, String action, Supplier<T> call) throws VipDriverException {
        try {
            return call.get();
        } catch (AwsServiceException e) {
            String code = e.awsErrorDetails() == null ? "?" : e.awsErrorDetails().errorCode();
            String message = e.awsErrorDetails() == null ? e.getMessage() : e.awsErrorDetails().errorMessage();
            throw new VipDriverException(vip, action + " failed: " + code + " (" + message + ") status="
                    + e.statusCode() + " requestId=" + e.requestId(), e);
        } catch (ApiCallTimeoutException | ApiCallAttemptTimeoutException e) {
            throw new VipDriverException(vip, action + " failed: timeout (" + e.getMessage() + ")", e);
        } catch (SdkException e) {
            throw new VipDriverException(vip, action + " failed: " + e.getClass().getSimpleName() + " ("
                    + e.getMessage() + ")", e);
        }
    }

    /** What a Describe call found, each under its id (a later duplicate id replaces an earlier one). */
    private static <T, V> Map<String, V> byId(List<T> found, Function<T, String> id, Function<T, V> value) {
        Map<String, V> out = new HashMap<>();
        for (T item : found) {
            out.put(id.apply(item), value.apply(item));
        }
        return out;
    }

    /** An ENI's private IPv4 addresses. */
    record EniAddresses(Optional<String> primary, Set<String> secondary) {

        static EniAddresses of(NetworkInterface eni) {
            Set<String> secondary = new HashSet<>();
            String primary = null;
            for (NetworkInterfacePrivateIpAddress a : eni.privateIpAddresses()) {
                if (Boolean.TRUE.equals(a.primary())) {
                    primary = a.privateIpAddress();
                } else {
                    secondary.add(a.privateIpAddress());
                }
            }
            return new EniAddresses(Optional.ofNullable(primary), Set.copyOf(secondary));
        }
    }

    /** An Elastic IP's current association; all empty when it is not associated. */
    record Association(Optional<String> associationId, Optional<String> networkInterfaceId,
                       Optional<String> privateIpAddress) {

        static Association of(Address a) {
            return new Association(Optional.ofNullable(a.associationId()),
                    Optional.ofNullable(a.networkInterfaceId()), Optional.ofNullable(a.privateIpAddress()));
        }

        boolean isOn(String eni, String ip) {
            return networkInterfaceId.filter(eni::equals).isPresent() && privateIpAddress.filter(ip::equals).isPresent();
        }
    }
}
