package org.cortado.gpu;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.cortado.tensor.Device;
import org.junit.jupiter.api.Assumptions;

/**
 * A {@link DeviceApi} that runs the engine's own kernel sources on the CPU: {@code src/test/native/emu}'s device
 * server, built here with g++ from {@code src/main/cuda/*.cu} and driven over a pipe. With it, a {@link GpuBackend}
 * computes every operation that uses the engine's kernels and cuBLAS's column-major GEMM convention (the server's GEMM
 * is the textbook one) on a machine without a GPU, so the kernels' indexing, the launch arguments the backend passes
 * (the server checks their number and kinds against each kernel's signature) and the row/column-major swap are
 * checked against the CPU oracle everywhere. Each block runs with its {@link Kernel#BLOCK} threads as fibers and real
 * barriers ({@code emu_blocks.h}); the server is built with AddressSanitizer, so a kernel that reads or writes past
 * its buffers stops it, and the exception names ASan's report. With {@code -Dcortado.emu.sanitizer=thread} it is built
 * with ThreadSanitizer instead, which stops it at the first data race between emulated threads. cuDNN is left to the
 * GPU tests.
 */
final class EmulatedDevice implements DeviceApi {
    /** What the server is built with (-Dcortado.emu.sanitizer=address|thread|none; address by default). */
    enum Sanitizer {
        /** AddressSanitizer: every access against its allocation ({@link #checksBounds()}). */
        ADDRESS("-fsanitize=address", "ASAN_OPTIONS", "detect_leaks=0"),
        /** ThreadSanitizer: data races between the emulated threads (emu_blocks.h), the run stopped at the first. */
        THREAD("-fsanitize=thread", "TSAN_OPTIONS", "halt_on_error=1 exitcode=66"),
        NONE(null, null, null);

        final String flag;
        final String optionsVariable;
        final String options;

        Sanitizer(String flag, String optionsVariable, String options) {
            this.flag = flag;
            this.optionsVariable = optionsVariable;
            this.options = options;
        }

        static Sanitizer requested() {
            return valueOf(System.getProperty("cortado.emu.sanitizer", "address").toUpperCase(Locale.ROOT));
        }
    }

    /** The servers built in this JVM, by the sanitizer asked for, with the one they were built with. */
    private static final Map<Sanitizer, Map.Entry<Path, Sanitizer>> SERVERS =
            new EnumMap<>(Sanitizer.class);
    /** Why the server could not be built, once it could not. */
    private static String buildFailure;
    private final Process process;
    private final Sanitizer sanitizer;
    private final Path errors;
    private final OutputStream out;
    private final DataInputStream in;

    private EmulatedDevice(Process process, Sanitizer sanitizer, Path errors) {
        this.process = process;
        this.sanitizer = sanitizer;
        this.errors = errors;
        this.out = new BufferedOutputStream(process.getOutputStream(), 1 << 16);
        this.in = new DataInputStream(new BufferedInputStream(process.getInputStream(), 1 << 16));
    }

    /** A GPU backend over a fresh emulated device (im2col + GEMM convolutions); skips the test without g++. */
    static GpuBackend backend() {
        return new GpuBackend(start(), new Device("emulated"), "emulated device (kernels on the CPU)",
                ConvImpl.IM2COL_GEMM, MathMode.FP32, false);
    }

    /** A fresh emulated device; skips the test without g++. */
    static EmulatedDevice start() {
        return start(Map.of());
    }

    /** A fresh emulated device with these environment variables (CORTADO_EMU_ORDER, CORTADO_EMU_SEED: emu_blocks.h). */
    static EmulatedDevice start(Map<String, String> environment) {
        return start(Sanitizer.requested(), environment);
    }

    /** A fresh emulated device built with {@code wanted} (or, for AddressSanitizer where g++ lacks it, none). */
    static EmulatedDevice start(Sanitizer wanted, Map<String, String> environment) {
        try {
            Map.Entry<Path, Sanitizer> built = build(wanted);
            // The server's standard error (the sanitizers' reports) goes to a file that a failure message quotes.
            Path errors = Files.createTempFile("cortado-emu-", ".stderr");
            errors.toFile().deleteOnExit();
            ProcessBuilder pb = new ProcessBuilder(built.getKey().toString()).redirectError(errors.toFile());
            Sanitizer used = built.getValue();
            if (used.optionsVariable != null) {
                // ASan: no leak report at exit (the JVM ends the server with its device memory allocated).
                pb.environment().put(used.optionsVariable, used.options);
            }
            pb.environment().putAll(environment);
            return new EmulatedDevice(pb.start(), used, errors);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the emulated device", e);
        }
    }

    /** Builds a server once per JVM and sanitizer from the kernel sources; skips when there is no g++. */
    private static synchronized Map.Entry<Path, Sanitizer> build(Sanitizer wanted) throws IOException {
        if (SERVERS.containsKey(wanted)) {
            return SERVERS.get(wanted);
        }
        if (buildFailure != null) {
            throw new IllegalStateException(buildFailure);  // once per JVM: the next test would fail the same way
        }
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/g++")), "no /usr/bin/g++ to build the emulator");
        Path cuda = Path.of("src/main/cuda").toAbsolutePath();
        Path dir = Files.createTempDirectory("cortado-emu-");
        writeKernelIncludes(dir, true);
        Path emu = Path.of("src/test/native/emu").toAbsolutePath();
        Path exe = dir.resolve("device_server");
        // No contraction into FMAs: each float operation rounds on its own, as Java's do, so that the kernels written
        // to be bit-identical to the CPU (solver.cu, loss.cu) are checked bit for bit.
        List<String> command = new ArrayList<>(List.of("g++", "-std=c++17", "-O1", "-g", "-ffp-contract=off", "-w",
                "-I" + emu, "-I" + dir, "-include", emu.resolve("emu.h").toString(), "-x", "c++",
                emu.resolve("device_server.cpp").toString(), "-o", exe.toString()));
        Sanitizer used = wanted;
        String log;
        if (wanted == Sanitizer.NONE) {
            log = compile(command);
        } else {
            List<String> sanitized = new ArrayList<>(command);
            sanitized.addAll(1, List.of(wanted.flag, "-fno-omit-frame-pointer"));
            log = compile(sanitized);
            if (log != null && wanted == Sanitizer.THREAD) {
                Assumptions.abort("g++ -fsanitize=thread cannot build the emulated device here:\n" + log);
            }
            if (log != null) {
                // g++ without libasan: the kernels are still checked, without the bounds of their buffers.
                System.err.println("emulated device: built without AddressSanitizer (g++ " + wanted.flag
                        + " failed):\n" + log);
                used = Sanitizer.NONE;
                log = compile(command);
            }
        }
        if (log != null) {
            buildFailure = "g++ could not build the emulated device from " + cuda + ":\n" + log;
            throw new IllegalStateException(buildFailure);
        }
        SERVERS.put(wanted, Map.entry(exe, used));
        return SERVERS.get(wanted);
    }

    /** Runs a compiler command; null when it succeeded, else its output. */
    private static String compile(List<String> command) throws IOException {
        Process cc = new ProcessBuilder(command).redirectErrorStream(true).start();
        String log = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            boolean done = cc.waitFor(300, TimeUnit.SECONDS);
            return done && cc.exitValue() == 0 ? null : (done ? log : "timed out after 300 s\n" + log);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted building the emulated device", e);
        }
    }

    /**
     * Writes the two files through which the kernel sources are compiled for the CPU (here and by {@link HostCuda}):
     * {@code kernel_sources.inc}, an {@code #include} of each {@code src/main/cuda/*.cu}, and {@code kernel_names.inc},
     * a {@code KERNEL(name)} line per kernel the backend launches; {@code withTestKernels} adds the kernels of
     * {@code src/test/cuda} (the emulator's own checks, {@link EmulatedBlocksTest}).
     */
    static void writeKernelIncludes(Path dir, boolean withTestKernels) throws IOException {
        List<Path> sources = new ArrayList<>(cudaSources(Path.of("src/main/cuda")));
        TreeSet<String> names = new TreeSet<>();
        for (Kernel k : Kernel.values()) {
            names.add("KERNEL(" + k.function + ")");
        }
        if (withTestKernels) {
            for (Path test : cudaSources(Path.of("src/test/cuda"))) {
                sources.add(test);
                Matcher m = GLOBAL.matcher(Files.readString(test));
                while (m.find()) {
                    names.add("KERNEL(" + m.group(1) + ")");
                }
            }
        }
        Files.write(dir.resolve("kernel_sources.inc"),
                sources.stream().map(p -> "#include \"" + p + "\"").collect(Collectors.toList()));
        Files.write(dir.resolve("kernel_names.inc"), names);
    }

    private static final Pattern GLOBAL = Pattern.compile("extern \"C\" __global__ void (\\w+)\\(");

    private static List<Path> cudaSources(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder.toAbsolutePath())) {
            return s.filter(p -> p.toString().endsWith(".cu")).sorted().collect(Collectors.toList());
        }
    }

    private ByteBuffer request(char op, int size) {
        return ByteBuffer.allocate(1 + size).order(ByteOrder.LITTLE_ENDIAN).put((byte) op);
    }

    /** Sends {@code b}, reads the status and then {@code replyBytes}. */
    private ByteBuffer exchange(ByteBuffer b, int replyBytes) {
        try {
            out.write(b.array(), 0, b.position());
            out.flush();
            int status = in.read();
            if (status != 0) {
                if (status < 0) {
                    throw new IllegalStateException("the emulated device died (exit " + exitValue() + ")"
                            + serverErrors());
                }
                int len = Short.toUnsignedInt(Short.reverseBytes(in.readShort()));
                byte[] msg = in.readNBytes(len);
                throw new IllegalStateException("emulated device: " + new String(msg, StandardCharsets.UTF_8));
            }
            byte[] data = in.readNBytes(replyBytes);
            return ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new IllegalStateException("emulated device pipe broke (exit " + exitValue() + ")" + serverErrors(),
                    e);
        }
    }

    private String exitValue() {
        try {
            process.waitFor(5, TimeUnit.SECONDS);  // a dying server's status, once ASan has written its report
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return process.isAlive() ? "still running" : String.valueOf(process.exitValue());
    }

    /** What the server wrote on its standard error (a sanitizer's report), for a failure message; "" when nothing. */
    private String serverErrors() {
        try {
            List<String> lines = Files.readAllLines(errors, StandardCharsets.UTF_8);
            return lines.isEmpty() ? "" : ":\n" + String.join("\n", lines.subList(0, Math.min(lines.size(), 40)));
        } catch (IOException e) {
            return " (its standard error, " + errors + ", is unreadable: " + e.getMessage() + ")";
        }
    }

    @Override
    public void makeCurrent() {
    }

    @Override
    public long malloc(long bytes) {
        return exchange(request('M', 8).putLong(bytes), 8).getLong();
    }

    @Override
    public void free(long address) {
        exchange(request('F', 8).putLong(address), 0);
    }

    @Override
    public long[] memoryInfo() {
        return new long[] {Runtime.getRuntime().freeMemory(), Runtime.getRuntime().totalMemory()};
    }

    @Override
    public void memset32(long dst, int value, long count) {
        exchange(request('S', 20).putLong(dst).putInt(value).putLong(count), 0);
    }

    @Override
    public void copy(long dst, long src, long bytes) {
        exchange(request('C', 24).putLong(dst).putLong(src).putLong(bytes), 0);
    }

    @Override
    public void upload(float[] src, int offset, int count, long dst) {
        ByteBuffer b = request('U', 12 + 4 * count).putLong(dst).putInt(count);
        b.asFloatBuffer().put(src, offset, count);
        b.position(b.position() + 4 * count);
        exchange(b, 0);
    }

    @Override
    public void uploadBytes(byte[] src, int offset, int count, long dst) {
        exchange(request('B', 12 + count).putLong(dst).putInt(count).put(src, offset, count), 0);
    }

    @Override
    public void download(long src, float[] dst, int offset, int count) {
        exchange(request('D', 12).putLong(src).putInt(count), 4 * count).asFloatBuffer().get(dst, offset, count);
    }

    @Override
    public void launch(Kernel k, int grid, Object... args) {
        launch(k.function, grid, Kernel.BLOCK, args);
    }

    /** Launches a kernel by name with {@code block} threads per block (the tests' own kernels too). */
    void launch(String function, int grid, int block, Object... args) {
        byte[] name = function.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = request('K', 2 + name.length + 4 + 4 + 2 + 9 * args.length).putShort((short) name.length)
                .put(name).putInt(grid).putInt(block).putShort((short) args.length);
        List<String> bad = new ArrayList<>();
        for (Object a : args) {
            if (a instanceof Long l) {
                b.put((byte) 'L').putLong(l);
            } else if (a instanceof Integer i) {
                b.put((byte) 'I').putLong(i & 0xffffffffL);
            } else if (a instanceof Float f) {
                b.put((byte) 'F').putLong(Float.floatToRawIntBits(f) & 0xffffffffL);
            } else {
                bad.add(String.valueOf(a));
            }
        }
        if (!bad.isEmpty()) {
            throw new IllegalArgumentException(function + ": unsupported arguments " + bad);
        }
        exchange(b, 0);
    }

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, long a, int lda, long b,
                      int ldb, float beta, long c, int ldc) {
        exchange(request('G', 2 + 12 + 4 + 8 + 4 + 8 + 4 + 4 + 8 + 4).put((byte) (transA ? 1 : 0))
                .put((byte) (transB ? 1 : 0)).putInt(m).putInt(n).putInt(k).putFloat(alpha).putLong(a).putInt(lda)
                .putLong(b).putInt(ldb).putFloat(beta).putLong(c).putInt(ldc), 0);
    }

    @Override
    public void synchronize() {
    }

    @Override
    public boolean checksBounds() {
        return sanitizer == Sanitizer.ADDRESS;
    }

    @Override
    public void close() {
        try {
            out.close();
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
            process.destroy();
        }
        try {
            Files.deleteIfExists(errors);
        } catch (IOException e) {
            // deleteOnExit removes it later
        }
    }
}
