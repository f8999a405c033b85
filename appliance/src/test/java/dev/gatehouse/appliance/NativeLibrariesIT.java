package dev.gatehouse.appliance;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;

/**
 * The packaged jar carries the native transport (epoll) and BoringSSL (tcnative) libraries for both
 * Linux architectures a node runs on, x86-64 and arm64 (Graviton): each is a shared object for its
 * machine (ELF header: 64-bit, little-endian, {@code e_machine} x86-64 = 62 or AArch64 = 183), and on
 * this x86-64 machine the jar's own epoll and BoringSSL load (a node started from it says
 * {@code transport=epoll}). The aarch64 ones cannot be loaded here; their header is what is checked.
 */
class NativeLibrariesIT {

    private static final int EM_X86_64 = 62;
    private static final int EM_AARCH64 = 183;

    private static Path jar() {
        String p = System.getProperty("gatehouse.jar");
        return p != null ? Path.of(p) : Path.of("target", "gatehouse.jar");
    }

    @Test
    void bothArchitecturesAreInTheJarAndEachIsAnElfObjectForItsMachine() throws Exception {
        try (JarFile jar = new JarFile(jar().toFile())) {
            assertThat(machine(jar, "META-INF/native/libnetty_transport_native_epoll_x86_64.so")).isEqualTo(EM_X86_64);
            assertThat(machine(jar, "META-INF/native/libnetty_transport_native_epoll_aarch_64.so")).isEqualTo(EM_AARCH64);
            assertThat(machine(jar, "META-INF/native/libnetty_tcnative_linux_x86_64.so")).isEqualTo(EM_X86_64);
            assertThat(machine(jar, "META-INF/native/libnetty_tcnative_linux_aarch_64.so")).isEqualTo(EM_AARCH64);
        }
    }

    @Test
    void theJarsOwnEpollAndBoringSslLoadOnThisMachine() throws Exception {
        assertThat(System.getProperty("os.arch")).isIn("amd64", "x86_64");
        // a JVM with nothing but the jar on its class path: its libraries, not the build's
        Path script = Path.of("target", "native-check.jsh");
        java.nio.file.Files.writeString(script, String.join("\n",
                "System.out.println(\"epoll=\" + io.netty.channel.epoll.Epoll.isAvailable());",
                "System.out.println(\"openssl=\" + io.netty.handler.ssl.OpenSsl.isAvailable());",
                "/exit", ""));
        Process jshell = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jshell").toString(),
                "--class-path", jar().toString(), script.toString()).redirectErrorStream(true).start();
        String out;
        try (InputStream in = jshell.getInputStream()) {
            assertThat(jshell.waitFor(120, TimeUnit.SECONDS)).isTrue();
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(out).contains("epoll=true").contains("openssl=true");
    }

    /** {@code e_machine} of an ELF64 little-endian shared object in the jar. */
    private static int machine(JarFile jar, String name) throws Exception {
        ZipEntry e = jar.getEntry(name);
        assertThat(e).as("%s in %s", name, jar.getName()).isNotNull();
        byte[] head = new byte[20];
        try (InputStream in = jar.getInputStream(e)) {
            assertThat(in.readNBytes(head, 0, head.length)).isEqualTo(head.length);
        }
        assertThat(new String(head, 1, 3, StandardCharsets.US_ASCII)).as("%s is ELF", name).isEqualTo("ELF");
        assertThat(head[0]).isEqualTo((byte) 0x7f);
        assertThat(head[4]).as("%s is 64-bit", name).isEqualTo((byte) 2);
        assertThat(head[5]).as("%s is little-endian", name).isEqualTo((byte) 1);
        assertThat(ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getShort(16)).as("%s is a shared object", name)
                .isEqualTo((short) 3); // ET_DYN
        return ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getShort(18) & 0xffff;
    }
}
