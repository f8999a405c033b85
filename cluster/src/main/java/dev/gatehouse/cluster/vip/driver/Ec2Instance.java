package dev.gatehouse.cluster.vip.driver;

import java.io.IOException;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This instance as the {@code ec2} driver needs it: its id, the EC2 API client for its region, and
 * the ENI behind each local interface. Read from instance metadata (IMDSv2) on first use and kept:
 * an instance does not change region, and an ENI does not change under a running interface. Not
 * thread-safe: {@link Ec2Driver} calls it under its own lock.
 */
final class Ec2Instance implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Ec2Instance.class);

    private final Ec2Settings settings;
    private final InstanceMetadata metadata;
    private final Map<String, String> eniByInterface = new HashMap<>();
    private String instanceId;
    private Ec2Api api;

    Ec2Instance(Ec2Settings settings) {
        this.settings = settings;
        this.metadata = new InstanceMetadata(settings.imdsEndpoint(), settings.callTimeout(), Clock.systemUTC());
    }

    /** The ENI behind {@code interfaceName}: its MAC, mapped by instance metadata; {@code vip} names errors. */
    String eni(String vip, String interfaceName) throws VipDriverException {
        String known = eniByInterface.get(interfaceName);
        if (known != null) {
            return known;
        }
        String mac;
        try {
            mac = settings.macLookup().mac(interfaceName);
        } catch (IOException e) {
            throw new VipDriverException(vip, "cannot find the MAC address of " + interfaceName + ": " + e.getMessage(), e);
        }
        String eni = metadata(vip, "network/interfaces/macs/" + mac + "/interface-id");
        log.info("event=ec2_interface_found interface={} mac={} eni={} source=instance-metadata", interfaceName, mac, eni);
        eniByInterface.put(interfaceName, eni);
        return eni;
    }

    /** The EC2 API of this instance's region (configured, or from metadata), created on first use. */
    Ec2Api api(String vip) throws VipDriverException {
        if (api != null) {
            return api;
        }
        instanceId = metadata(vip, "instance-id");
        String region = settings.region().isPresent() ? settings.region().get() : metadata(vip, "placement/region");
        try {
            api = Ec2Api.create(settings, region);
        } catch (RuntimeException e) {
            // the SDK's builders throw unchecked exceptions (e.g. no region or endpoint it can resolve)
            throw new VipDriverException(vip, "cannot create the EC2 client for region " + region + ": "
                    + e.getClass().getSimpleName() + " (" + e.getMessage() + ")", e);
        }
        log.info("event=ec2_driver_ready instance={} region={} ec2={}", instanceId, region,
                settings.ec2Endpoint().map(Object::toString).orElse("default"));
        return api;
    }

    /** The instance id, once {@link #api} has run (for logs). */
    String id() {
        return instanceId;
    }

    private String metadata(String vip, String path) throws VipDriverException {
        try {
            return metadata.get(path);
        } catch (InstanceMetadata.MetadataException e) {
            throw new VipDriverException(vip, e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (api != null) {
            api.close();
        }
    }
}
