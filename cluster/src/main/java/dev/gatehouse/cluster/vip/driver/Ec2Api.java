package dev.gatehouse.cluster.vip.driver;

import dev.gatehouse.cluster.DaemonThreads;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
 * <p>Every other failure of a call becomes a {@link VipDriverException} too, never an unchecked
 * exception: a timeout (the SDK's, a socket's, or this class's own deadline) says {@code timeout},
 * an interrupt says {@code interrupted} and leaves the caller's interrupt flag set, and anything else
 * the SDK or the HTTP client throws (it lets {@code UncheckedIOException} from HttpURLConnection and
 * a credentials provider's own exceptions through unwrapped) is named by its class.
 *
 * <p>The SDK's call timeout alone does not bound a call: when it fires after the response headers,
 * its abort waits for HttpURLConnection's keep-alive cleaner, which may keep draining the stalled
 * body for another 5 s, and an interrupt does not wake a thread blocked in a socket read. So the
 * calls run on a thread of their own and the caller waits at most {@link Ec2Settings#callTimeout()}
 * plus {@link #DEADLINE_GRACE}; a call abandoned that way is cancelled and ends by itself within its
 * socket timeout. That thread is a single one, so EC2 still sees the calls in the order the driver
 * made them (an abandoned assign cannot land after the unassign that followed it), and a call
 * whose caller gave up before it started is never sent.
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

    /** How long past the call timeout the caller waits for the SDK to give up by itself. */
    static final Duration DEADLINE_GRACE = Duration.ofSeconds(1);

    private final Ec2Client ec2;
    private final SdkAutoCloseable ownCredentials;
    private final Duration deadline;
    /** Runs the calls one at a time, in order; a daemon, so an abandoned call never holds up shutdown. */
    private final ExecutorService calls = Executors.newSingleThreadExecutor(DaemonThreads.named("gatehouse-ec2-call"));

    Ec2Api(Ec2Client ec2, SdkAutoCloseable ownCredentials, Duration callTimeout) {
        this.ec2 = ec2;
        this.ownCredentials = ownCredentials;
        this.deadline = callTimeout.plus(DEADLINE_GRACE);
    }

    /**
     * A client for {@code region}: the JDK's HttpURLConnection underneath, the SDK's standard retry
     * strategy (3 attempts, exponential backoff with jitter, throttling-aware), and the whole call,
     * retries included, bounded by {@link Ec2Settings#callTimeout()}; one attempt gets at most half
     * of it, so a stalled connection leaves room for a second try. The caller's own deadline,
     * {@link #DEADLINE_GRACE} later, catches the cases where the SDK overruns that bound.
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
        return new Ec2Api(builder.build(), defaultChain, timeout);
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
        calls.shutdownNow(); // a call still in flight was abandoned by its caller already
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

    /**
     * Runs {@code call} on a call thread and waits for it until the deadline.
     *
     * @throws VipDriverException for every failure; after an interrupt the interrupt flag stays set
     */
    private <T> T call(String vip, String action, Supplier<T> call) throws VipDriverException {
        if (Thread.currentThread().isInterrupted()) {
            // not even sent: an interrupted caller must not change EC2 state behind its own back
            throw new VipDriverException(vip, action + " failed: interrupted (before the call was sent)");
        }
        Future<T> running;
        try {
            running = calls.submit(call::get);
        } catch (RejectedExecutionException e) {
            throw new VipDriverException(vip, action + " failed: the EC2 client is closed", e);
        }
        try {
            return running.get(deadline.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            running.cancel(true);
            Thread.currentThread().interrupt();
            throw new VipDriverException(vip, action + " failed: interrupted (the call was abandoned; it may or may"
                    + " not have reached EC2)", e);
        } catch (TimeoutException e) {
            running.cancel(true);
            throw new VipDriverException(vip, action + " failed: timeout (no outcome within " + deadline.toMillis()
                    + " ms, the call timeout plus " + DEADLINE_GRACE.toMillis() + " ms; the call was abandoned and may"
                    + " or may not have reached EC2)", e);
        } catch (ExecutionException e) {
            throw failure(vip, action, e.getCause());
        }
    }

    /** What {@code cause}, thrown by the SDK or below it, means for the driver. */
    private static VipDriverException failure(String vip, String action, Throwable cause) {
        if (cause instanceof Error error) {
            throw error; // not a failed call: a broken JVM or a bug, as it would have been on this thread
        }
        if (cause instanceof AwsServiceException e) {
            String code = e.awsErrorDetails() == null ? "?" : e.awsErrorDetails().errorCode();
            String message = e.awsErrorDetails() == null ? e.getMessage() : e.awsErrorDetails().errorMessage();
            return new VipDriverException(vip, action + " failed: " + code + " (" + message + ") status="
                    + e.statusCode() + " requestId=" + e.requestId(), e);
        }
        if (isTimeout(cause)) {
            return new VipDriverException(vip, action + " failed: timeout (" + cause.getMessage() + ")", cause);
        }
        String kind = cause instanceof SdkException ? "" : "unexpected ";
        return new VipDriverException(vip, action + " failed: " + kind + cause.getClass().getSimpleName() + " ("
                + cause.getMessage() + ")", cause);
    }

    /** The SDK's call or attempt timeout, or a socket's connect or read timeout anywhere in the chain. */
    private static boolean isTimeout(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ApiCallTimeoutException || t instanceof ApiCallAttemptTimeoutException
                    || t instanceof SocketTimeoutException) {
                return true;
            }
        }
        return false;
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
