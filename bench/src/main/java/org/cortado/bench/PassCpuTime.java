package org.cortado.bench;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.function.Supplier;
import org.cortado.image.ImageDecoder;

/**
 * Wall time and process CPU time of whole passes of {@link ExtractBench}, {@link DecodeBench} or twenty forward
 * passes of {@link ForwardBench}, for A/B comparisons
 * on a shared machine: other processes stretch wall time by a varying amount, while the CPU seconds a pass costs
 * this process change far less. The JPEG decoder is chosen as in production, by {@code -Dcortado.jpeg.native};
 * alternate JVMs with {@code true} and {@code false} (the choice is made once per process).
 *
 * <p>Usage: {@code java --add-modules jdk.incubator.vector -Dcortado.jpeg.native=true|false -cp ...
 * org.cortado.bench.PassCpuTime extract|decode [PASSES]} or {@code ... PassCpuTime forward NET BATCH FUSION [PASSES]}
 * (ForwardBench's parameters, e.g. {@code forward squeezenet-fire9 16 concats}); the first pass is a warm-up and is
 * reported apart.
 */
public final class PassCpuTime {
    /** Forward passes timed together as one pass of the {@code forward} work. */
    private static final int FORWARDS_PER_PASS = 20;

    private PassCpuTime() {
    }

    public static void main(String[] args) throws Exception {
        boolean forward = args.length >= 4 && args[0].equals("forward");
        if (!forward && (args.length < 1 || !(args[0].equals("extract") || args[0].equals("decode")))) {
            System.err.println("usage: PassCpuTime extract|decode [PASSES], or forward NET BATCH FUSION [PASSES]");
            System.exit(2);
        }
        int passesAt = forward ? 4 : 1;
        int passes = args.length > passesAt ? Integer.parseInt(args[passesAt]) : 4;
        Supplier<Object> pass;
        if (forward) {
            ForwardBench b = new ForwardBench();
            b.net = args[1];
            b.batch = Integer.parseInt(args[2]);
            b.fusion = args[3];
            b.setUp();
            pass = () -> {
                Object out = null;
                for (int i = 0; i < FORWARDS_PER_PASS; i++) {
                    out = b.forward();
                }
                return out;
            };
        } else if (args[0].equals("extract")) {
            ExtractBench b = new ExtractBench();
            b.setUp();
            pass = b::extract;
        } else {
            DecodeBench b = new DecodeBench();
            b.decoder = ImageDecoder.jpegDecoder().startsWith("libjpeg-turbo") ? "native" : "imageio";
            b.setUp();
            pass = b::decode;
        }
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        StringBuilder line = new StringBuilder(forward ? String.join(" ", args) + ", " + FORWARDS_PER_PASS
                + " forward passes per pass:" : args[0] + ", JPEG decoder " + ImageDecoder.jpegDecoder() + ":");
        Object sink = null;
        for (int i = 0; i < passes; i++) {
            long cpu = os.getProcessCpuTime();
            long wall = System.nanoTime();
            sink = pass.get();
            line.append(String.format(Locale.ROOT, "%n  %s: wall %.2f s, process CPU %.2f s",
                    i == 0 ? "warm-up" : "pass " + i, (System.nanoTime() - wall) / 1e9,
                    (os.getProcessCpuTime() - cpu) / 1e9));
        }
        System.out.println(line + (sink == null ? " (no result)" : ""));
    }
}
