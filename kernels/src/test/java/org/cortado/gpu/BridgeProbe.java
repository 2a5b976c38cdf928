package org.cortado.gpu;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;
import java.util.TreeSet;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;
import jcuda.jcudnn.JCudnn;
import jcuda.nvrtc.JNvrtc;
import org.cortado.backend.Backend;
import org.cortado.backend.BackendProvider;
import org.cortado.backend.BackendUnavailableException;
import org.cortado.backend.Backends;

/**
 * Run by {@link BridgeLoadTest} in a JVM of its own (libraries stay loaded for a process's life): loads the native
 * stack from the folder given as the argument, calls through each JCuda native into the libraries there, and prints
 * {@code key=value} lines for the test to check.
 */
public final class BridgeProbe {
    private BridgeProbe() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        NativeStack stack = NativeStack.load(LibrarySearch.of(List.of(dir)));
        for (String line : stack.report()) {
            System.out.println("report=" + line.trim());
        }
        System.out.println("cudnn=" + stack.hasCudnn());
        System.out.println("nvrtc=" + stack.hasNvrtc());
        JCublas2.setExceptionsEnabled(false);
        JCudnn.setExceptionsEnabled(false);
        JNvrtc.setExceptionsEnabled(false);
        System.out.println("cublasCreate=" + JCublas2.cublasCreate(new cublasHandle()));
        System.out.println("cublasSetMathMode=" + JCublas2.cublasSetMathMode(new cublasHandle(), 0));
        System.out.println("cudnnGetVersion=" + JCudnn.cudnnGetVersion());
        System.out.println("nvrtcVersion=" + JNvrtc.nvrtcVersion(new int[1], new int[1]));
        TreeSet<String> mapped = new TreeSet<>();
        for (String l : Files.readAllLines(Path.of("/proc/self/maps"))) {
            int slash = l.indexOf('/');
            if (slash >= 0) {
                mapped.add(l.substring(slash));
            }
        }
        mapped.forEach(m -> System.out.println("mapped=" + m));
        try {
            Backends.select("gpu").close();
            System.out.println("gpu=opened");
        } catch (BackendUnavailableException e) {
            System.out.println("gpu-error=" + e.getMessage().replace('\n', '|'));
        }
        ByteArrayOutputStream notice = new ByteArrayOutputStream();
        try (Backend b = Backends.select("auto", ServiceLoader.load(BackendProvider.class),
                new PrintStream(notice, true, StandardCharsets.UTF_8))) {
            System.out.println("auto=" + b.name());
        }
        System.out.println("auto-notice=" + notice.toString(StandardCharsets.UTF_8).trim());
    }
}
