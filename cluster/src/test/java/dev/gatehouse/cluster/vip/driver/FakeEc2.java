package dev.gatehouse.cluster.vip.driver;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A local EC2 Query API endpoint that keeps ENIs with their private addresses and Elastic IPs with
 * their associations, behaves like EC2 for the six actions the driver uses (reassignment, EIPs
 * moving with their private address, error codes), answers with EC2's XML (namespace
 * {@value #NS}) and records every request: action, form parameters and Authorization header.
 * Listens on 127.0.0.1 on a random port for the duration of a test ({@code @RegisterExtension}).
 */
final class FakeEc2 implements BeforeEachCallback, AfterEachCallback {

    static final String NS = "http://ec2.amazonaws.com/doc/2016-11-15/";

    /** One request: its parameters in the order sent, and its signature header. */
    record Request(String action, Map<String, String> params, String authorization, String contentType) {

        String param(String name) {
            return params.get(name);
        }
    }

    /** A canned failure: HTTP status, EC2 error code and message. */
    record Failure(int status, String code, String message) {
    }

    private static final class Eip {
        final String publicIp;
        String associationId;
        String eni;
        String privateIp;

        Eip(String publicIp) {
            this.publicIp = publicIp;
        }
    }

    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Map<String, List<String>> enis = new LinkedHashMap<>(); // first address is the primary
    private final Map<String, Eip> eips = new LinkedHashMap<>();
    private final Map<String, Deque<Failure>> failures = new LinkedHashMap<>();
    private final Map<String, Consumer<FakeEc2>> before = new LinkedHashMap<>();
    private final CountDownLatch closing = new CountDownLatch(1);
    private volatile long stallMillis;
    private volatile boolean refuseSameEni;
    private int associationCounter;
    private HttpServer server;
    private ExecutorService executor;

    /** Declares an ENI with its primary address. */
    synchronized FakeEc2 eni(String id, String primaryIp, String... secondary) {
        List<String> addresses = new ArrayList<>();
        addresses.add(primaryIp);
        addresses.addAll(List.of(secondary));
        enis.put(id, addresses);
        return this;
    }

    /** Declares an Elastic IP allocation, not associated. */
    synchronized FakeEc2 eip(String allocationId, String publicIp) {
        eips.put(allocationId, new Eip(publicIp));
        return this;
    }

    /** Associates an Elastic IP as if someone else had done it. */
    synchronized void associate(String allocationId, String eni, String privateIp) {
        Eip eip = eips.get(allocationId);
        eip.associationId = "eipassoc-" + String.format("%017x", ++associationCounter);
        eip.eni = eni;
        eip.privateIp = privateIp;
    }

    /** Moves a secondary address to {@code eni} as another node's AssignPrivateIpAddresses would. */
    synchronized void move(String ip, String eni) {
        enis.values().forEach(a -> a.subList(1, a.size()).remove(ip));
        enis.get(eni).add(ip);
        eips.values().stream().filter(e -> ip.equals(e.privateIp)).forEach(e -> e.eni = eni);
    }

    /** The next {@code action} request fails with {@code failure} (queued: call again for more). */
    synchronized void failNext(String action, Failure failure) {
        failures.computeIfAbsent(action, a -> new ArrayDeque<>()).add(failure);
    }

    /** Runs {@code change} when the next {@code action} arrives, before the fake handles it. */
    synchronized void beforeNext(String action, Consumer<FakeEc2> change) {
        before.put(action, change);
    }

    /** Makes AssignPrivateIpAddresses refuse an address the ENI already has (a stricter EC2). */
    void refuseReassigningToTheSameEni() {
        refuseSameEni = true;
    }

    /** Every request from now on waits this long (or until the test ends) before it is answered. */
    void stall(long millis) {
        stallMillis = millis;
    }

    synchronized List<String> secondaryAddresses(String eni) {
        List<String> a = enis.get(eni);
        return List.copyOf(a.subList(1, a.size()));
    }

    /** The ENI an Elastic IP is associated with, or null. */
    synchronized String associatedEni(String allocationId) {
        return eips.get(allocationId).eni;
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    List<String> actions() {
        return requests.stream().map(Request::action).toList();
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        executor = Executors.newFixedThreadPool(4);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    @Override
    public void afterEach(ExtensionContext context) throws InterruptedException {
        closing.countDown();
        server.stop(0);
        executor.shutdownNow();
        executor.awaitTermination(5, TimeUnit.SECONDS);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Map<String, String> params = new LinkedHashMap<>();
            for (String pair : body.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                params.put(URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8),
                        eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
            String action = params.getOrDefault("Action", "");
            requests.add(new Request(action, params, exchange.getRequestHeaders().getFirst("Authorization"),
                    exchange.getRequestHeaders().getFirst("Content-Type")));
            if (stallMillis > 0) {
                try {
                    closing.await(stallMillis, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            String xml;
            int status = 200;
            try {
                xml = answer(action, params);
            } catch (Ec2Error e) {
                status = e.failure.status();
                xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>" + e.failure.code()
                        + "</Code><Message>" + e.failure.message() + "</Message></Error></Errors><RequestID>"
                        + UUID.randomUUID() + "</RequestID></Response>";
            }
            byte[] bytes = xml.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/xml;charset=UTF-8");
            exchange.getResponseHeaders().add("x-amzn-RequestId", UUID.randomUUID().toString());
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
        }
    }

    private String answer(String action, Map<String, String> p) throws Ec2Error {
        Consumer<FakeEc2> change;
        synchronized (this) {
            change = before.remove(action);
        }
        if (change != null) {
            change.accept(this);
        }
        synchronized (this) {
            Deque<Failure> queued = failures.get(action);
            if (queued != null && !queued.isEmpty()) {
                throw new Ec2Error(queued.poll());
            }
            if (!"2016-11-15".equals(p.get("Version"))) {
                throw error(400, "InvalidParameterValue", "Version " + p.get("Version"));
            }
            return switch (action) {
                case "AssignPrivateIpAddresses" -> assign(p);
                case "UnassignPrivateIpAddresses" -> unassign(p);
                case "AssociateAddress" -> associateAddress(p);
                case "DisassociateAddress" -> disassociateAddress(p);
                case "DescribeNetworkInterfaces" -> describeNetworkInterfaces(p);
                case "DescribeAddresses" -> describeAddresses(p);
                default -> throw error(400, "InvalidAction", "The action " + action + " is not valid for this web service.");
            };
        }
    }

    private String assign(Map<String, String> p) throws Ec2Error {
        String eni = p.get("NetworkInterfaceId");
        List<String> mine = eniOrFail(eni);
        boolean reassign = "true".equals(p.get("AllowReassignment"));
        List<String> ips = list(p, "PrivateIpAddress");
        for (String ip : ips) {
            for (Map.Entry<String, List<String>> other : enis.entrySet()) {
                int at = other.getValue().indexOf(ip);
                if (at == 0) {
                    throw error(400, "InvalidParameterValue", "The address " + ip + " is the primary private IP"
                            + " address of " + other.getKey() + " and cannot be reassigned.");
                }
                if (at > 0 && other.getKey().equals(eni) && refuseSameEni) {
                    throw error(400, "InvalidParameterValue", "The address " + ip + " is already assigned to " + eni);
                }
                if (at > 0 && !other.getKey().equals(eni) && !reassign) {
                    throw error(400, "PrivateIpAddressInUse", "Some of the specified addresses are already in use: " + ip);
                }
            }
        }
        StringBuilder items = new StringBuilder();
        for (String ip : ips) {
            if (!mine.contains(ip)) {
                move(ip, eni); // an Elastic IP associated with the address moves with it
            }
            items.append("<item><privateIpAddress>").append(ip).append("</privateIpAddress></item>");
        }
        return response("AssignPrivateIpAddresses", "<networkInterfaceId>" + eni + "</networkInterfaceId>"
                + "<assignedPrivateIpAddressesSet>" + items + "</assignedPrivateIpAddressesSet><assignedIpv4PrefixSet/>");
    }

    private String unassign(Map<String, String> p) throws Ec2Error {
        String eni = p.get("NetworkInterfaceId");
        List<String> mine = eniOrFail(eni);
        List<String> ips = list(p, "PrivateIpAddress");
        for (String ip : ips) {
            if (ip.equals(mine.get(0))) {
                throw error(400, "InvalidParameterValue", "Value (" + ip + ") for parameter privateIpAddress is invalid."
                        + " The primary IP address of an interface cannot be unassigned.");
            }
            if (!mine.contains(ip)) {
                throw error(400, "InvalidParameterValue", "Some of the specified addresses are not assigned to interface " + eni);
            }
        }
        mine.removeAll(ips);
        eips.values().stream().filter(e -> eni.equals(e.eni) && ips.contains(e.privateIp)).forEach(e -> {
            e.associationId = null;
            e.eni = null;
            e.privateIp = null;
        });
        return response("UnassignPrivateIpAddresses", "<return>true</return>");
    }

    private String associateAddress(Map<String, String> p) throws Ec2Error {
        Eip eip = eipOrFail(p.get("AllocationId"));
        String eni = p.get("NetworkInterfaceId");
        String ip = p.get("PrivateIpAddress");
        if (!eniOrFail(eni).contains(ip)) {
            throw error(400, "InvalidParameterValue", "The private IP address " + ip + " is not assigned to " + eni);
        }
        boolean elsewhere = eip.associationId != null && !(eni.equals(eip.eni) && ip.equals(eip.privateIp));
        if (elsewhere && !"true".equals(p.get("AllowReassociation"))) {
            throw error(400, "Resource.AlreadyAssociated", "resource " + p.get("AllocationId") + " is already associated"
                    + " with associate-id " + eip.associationId);
        }
        associate(p.get("AllocationId"), eni, ip);
        return response("AssociateAddress", "<return>true</return><associationId>" + eip.associationId + "</associationId>");
    }

    private String disassociateAddress(Map<String, String> p) throws Ec2Error {
        String id = p.get("AssociationId");
        Eip eip = eips.values().stream().filter(e -> id != null && id.equals(e.associationId)).findFirst()
                .orElseThrow(() -> error(400, "InvalidAssociationID.NotFound", "The association ID '" + id + "' does not exist"));
        eip.associationId = null;
        eip.eni = null;
        eip.privateIp = null;
        return response("DisassociateAddress", "<return>true</return>");
    }

    private String describeNetworkInterfaces(Map<String, String> p) throws Ec2Error {
        StringBuilder set = new StringBuilder();
        for (String eni : list(p, "NetworkInterfaceId")) {
            List<String> addresses = eniOrFail(eni);
            set.append("<item><networkInterfaceId>").append(eni).append("</networkInterfaceId>")
                    .append("<subnetId>subnet-0c1d2e3f40a5b6c7d</subnetId><vpcId>vpc-0a1b2c3d4e5f60718</vpcId>")
                    .append("<availabilityZone>eu-west-1a</availabilityZone><description/>")
                    .append("<ownerId>123456789012</ownerId><requesterManaged>false</requesterManaged>")
                    .append("<status>in-use</status><macAddress>0a:00:00:00:00:01</macAddress>")
                    .append("<privateIpAddress>").append(addresses.get(0)).append("</privateIpAddress>")
                    .append("<sourceDestCheck>true</sourceDestCheck><groupSet><item><groupId>sg-0123456789abcdef0</groupId>")
                    .append("<groupName>gatehouse</groupName></item></groupSet>")
                    .append("<attachment><attachmentId>eni-attach-0123456789abcdef0</attachmentId>")
                    .append("<instanceId>i-0a1b2c3d4e5f60718</instanceId><instanceOwnerId>123456789012</instanceOwnerId>")
                    .append("<deviceIndex>0</deviceIndex><status>attached</status>")
                    .append("<attachTime>2025-01-01T00:00:00.000Z</attachTime><deleteOnTermination>true</deleteOnTermination>")
                    .append("</attachment><privateIpAddressesSet>");
            for (int i = 0; i < addresses.size(); i++) {
                set.append("<item><privateIpAddress>").append(addresses.get(i)).append("</privateIpAddress>")
                        .append("<primary>").append(i == 0).append("</primary></item>");
            }
            set.append("</privateIpAddressesSet><ipv6AddressesSet/><tagSet/><interfaceType>interface</interfaceType></item>");
        }
        return response("DescribeNetworkInterfaces", "<networkInterfaceSet>" + set + "</networkInterfaceSet>");
    }

    private String describeAddresses(Map<String, String> p) throws Ec2Error {
        StringBuilder set = new StringBuilder();
        for (String id : list(p, "AllocationId")) {
            Eip eip = eipOrFail(id);
            set.append("<item><publicIp>").append(eip.publicIp).append("</publicIp><allocationId>").append(id)
                    .append("</allocationId><domain>vpc</domain>");
            if (eip.associationId != null) {
                set.append("<instanceId>i-0a1b2c3d4e5f60718</instanceId><associationId>").append(eip.associationId)
                        .append("</associationId><networkInterfaceId>").append(eip.eni).append("</networkInterfaceId>")
                        .append("<networkInterfaceOwnerId>123456789012</networkInterfaceOwnerId><privateIpAddress>")
                        .append(eip.privateIp).append("</privateIpAddress>");
            }
            set.append("<tagSet/><publicIpv4Pool>amazon</publicIpv4Pool><networkBorderGroup>eu-west-1</networkBorderGroup></item>");
        }
        return response("DescribeAddresses", "<addressesSet>" + set + "</addressesSet>");
    }

    private List<String> eniOrFail(String eni) throws Ec2Error {
        List<String> addresses = enis.get(eni);
        if (addresses == null) {
            throw error(400, "InvalidNetworkInterfaceID.NotFound", "The networkInterface ID '" + eni + "' does not exist");
        }
        return addresses;
    }

    private Eip eipOrFail(String allocationId) throws Ec2Error {
        Eip eip = eips.get(allocationId);
        if (eip == null) {
            throw error(400, "InvalidAllocationID.NotFound", "The allocation ID '" + allocationId + "' does not exist");
        }
        return eip;
    }

    /** {@code Name.1}, {@code Name.2}, ... in order: how the Query protocol sends a list. */
    private static List<String> list(Map<String, String> p, String name) {
        List<String> out = new ArrayList<>();
        for (int i = 1; p.containsKey(name + "." + i); i++) {
            out.add(p.get(name + "." + i));
        }
        return out;
    }

    private static String response(String action, String content) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<" + action + "Response xmlns=\"" + NS + "\"><requestId>"
                + UUID.randomUUID() + "</requestId>" + content + "</" + action + "Response>";
    }

    private static Ec2Error error(int status, String code, String message) {
        return new Ec2Error(new Failure(status, code, message));
    }

    private static final class Ec2Error extends Exception {
        final Failure failure;

        Ec2Error(Failure failure) {
            super(failure.code(), null, false, false);
            this.failure = failure;
        }
    }
}
