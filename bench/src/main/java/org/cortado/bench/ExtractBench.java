package org.cortado.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.image.BgrImage;
import org.cortado.image.ImageDecodeException;
import org.cortado.image.ImageDecoder;
import org.cortado.image.ImageTransformer;
import org.cortado.image.ResizeMode;
import org.cortado.image.TransformSpec;
import org.cortado.net.Net;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * End-to-end codes for the 398 files of {@code hymenoptera}: decode, resize to 227x227, subtract the mean,
 * SqueezeNet v1.0 to fire9/concat in batches of 16, average over space to 512-D. Files that do not decode are
 * skipped (as the transfer-learning path skips them). One call is one pass over the whole set.
 *
 * <p>TODO: switch to the heads branch's extraction pipeline when it lands on main; this loop mirrors what it does.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx8g"})
public class ExtractBench {
    static final int BATCH = 16;
    static final float[] MEAN_BGR = {104f, 117f, 123f};

    private List<Path> files;
    private CpuBackend backend;
    private Net net;
    private ImageTransformer transformer;

    @Setup
    public void setUp() {
        files = hymenoptera();
        backend = new CpuBackend();
        net = Nets.squeezenet(backend);
        transformer = new ImageTransformer(TransformSpec.of(new ResizeMode.Fixed(Nets.INPUT_SIZE, Nets.INPUT_SIZE),
                0, MEAN_BGR));
    }

    /** Every file under {@code data/hymenoptera}, sorted. */
    static List<Path> hymenoptera() {
        Path root = Nets.require(Nets.shared().resolve("data/hymenoptera"));
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(root.toString(), e);
        }
    }

    @Benchmark
    public float[][] extract() {
        int plane = Nets.INPUT_SIZE * Nets.INPUT_SIZE;
        int stride = 3 * plane;
        float[][] codes = new float[files.size()][];
        float[] batch = new float[BATCH * stride];
        boolean[] decoded = new boolean[BATCH];
        String input = net.inputNames().get(0);
        for (int start = 0; start < files.size(); start += BATCH) {
            int n = Math.min(BATCH, files.size() - start);
            int first = start;
            backend.parallel().forRange(n, 1, (s, e) -> {
                for (int i = s; i < e; i++) {
                    try {
                        BgrImage img = ImageDecoder.decode(files.get(first + i));
                        transformer.apply(img, 0L, batch, i * stride);
                        decoded[i] = true;
                    } catch (ImageDecodeException ex) {
                        decoded[i] = false;
                    }
                }
            });
            Tensor x = Tensor.wrap(Shape.of(n, 3, Nets.INPUT_SIZE, Nets.INPUT_SIZE), batch);
            net.forwardTo(Map.of(input, x), Nets.SQUEEZENET_CODES);
            Tensor out = net.blob(Nets.SQUEEZENET_CODES);
            int channels = out.shape().dim(1);
            int hw = out.shape().dim(2) * out.shape().dim(3);
            float[] y = out.hostData();
            for (int i = 0; i < n; i++) {
                if (!decoded[i]) {
                    continue;
                }
                float[] code = new float[channels];
                for (int c = 0; c < channels; c++) {
                    double sum = 0;
                    int off = (i * channels + c) * hw;
                    for (int p = 0; p < hw; p++) {
                        sum += y[off + p];
                    }
                    code[c] = (float) (sum / hw);
                }
                codes[start + i] = code;
            }
        }
        return codes;
    }
}
