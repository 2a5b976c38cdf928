package org.cortado.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.data.Batch;
import org.cortado.data.BatchLoader;
import org.cortado.data.ImageFolders;
import org.cortado.data.LabeledImage;
import org.cortado.data.TrainValSplit;
import org.cortado.image.ImageTransformer;
import org.cortado.image.ResizeMode;
import org.cortado.image.TransformSpec;
import org.cortado.net.Net;
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
 * End-to-end codes for the 398 files of {@code hymenoptera} (train and val): the engine's {@link BatchLoader}
 * decodes and resizes to 227x227 and subtracts the mean on its own threads, ahead of SqueezeNet v1.0 to
 * fire9/concat in batches of 16; codes are averaged over space to 512-D. Files that do not decode are skipped, as
 * the transfer-learning path skips them. One call is one pass over the whole set.
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

    private List<LabeledImage> files;
    private CpuBackend backend;
    private Net net;
    private ImageTransformer transformer;

    @Setup
    public void setUp() {
        Path root = Nets.require(Nets.shared().resolve("data/hymenoptera"));
        TrainValSplit split = ImageFolders.trainVal(root.resolve("train"), root.resolve("val"));
        files = new ArrayList<>(split.train().samples());
        files.addAll(split.val().samples());
        backend = new CpuBackend();
        net = Nets.squeezenet(backend);
        net.fuseReLUs();   // as CodeNet runs it
        net.writeConcatsInPlace();
        transformer = new ImageTransformer(TransformSpec.of(new ResizeMode.Fixed(Nets.INPUT_SIZE, Nets.INPUT_SIZE),
                0, MEAN_BGR));
    }

    @Benchmark
    public float[][] extract() {
        float[][] codes = new float[files.size()][];
        String input = net.inputNames().get(0);
        try (BatchLoader loader = BatchLoader.of(files, transformer, BATCH, backend.threads())) {
            while (loader.hasNext()) {
                Batch batch = loader.next();
                if (batch.size() == 0) {
                    continue;
                }
                net.forwardTo(Map.of(input, batch.data()), Nets.SQUEEZENET_CODES);
                Tensor out = net.blob(Nets.SQUEEZENET_CODES);
                int channels = out.shape().dim(1);
                int hw = out.shape().dim(2) * out.shape().dim(3);
                float[] y = out.hostData();
                for (int i = 0; i < batch.size(); i++) {
                    float[] code = new float[channels];
                    for (int c = 0; c < channels; c++) {
                        double sum = 0;
                        int off = (i * channels + c) * hw;
                        for (int p = 0; p < hw; p++) {
                            sum += y[off + p];
                        }
                        code[c] = (float) (sum / hw);
                    }
                    codes[batch.sampleIndices()[i]] = code;
                }
            }
        }
        return codes;
    }
}
