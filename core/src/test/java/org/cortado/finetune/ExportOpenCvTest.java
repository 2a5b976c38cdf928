package org.cortado.finetune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.caffe.CaffeModelReader;
import org.cortado.caffe.Prototxt;
import org.cortado.image.ImageDecoder;
import org.cortado.image.ImageTransformer;
import org.cortado.io.Npy;
import org.cortado.layers.Phase;
import org.cortado.net.Net;
import org.cortado.net.NetWeights;
import org.cortado.net.proto.NetProtos;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.cortado.testing.TinyImages;
import org.cortado.testing.TinyNets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exported fine-tuned net (with its standardisation Scale layer) loads in OpenCV's dnn module, an independent
 * reader of the Caffe format, and gives our probabilities. Skipped where {@code python3} with {@code cv2} is missing.
 */
class ExportOpenCvTest {
    /** OpenCV computes in its own order; 1e-4 relative, as the reference parity of the foundation. */
    private static final double TOLERANCE = 1e-4;

    private static boolean openCvAvailable() {
        try {
            Process p = new ProcessBuilder("python3", "-c", "import cv2, numpy").redirectErrorStream(true).start();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void exportedNetGivesOpenCvOurProbabilities(@TempDir Path dir) throws Exception {
        assumeTrue(openCvAvailable(), "python3 with cv2 (and numpy) not found: OpenCV round trip skipped");
        TinyImages.write(dir.resolve("data"), 6, 3, 5);
        Path deploy = dir.resolve("tiny.prototxt");
        Files.writeString(deploy, TinyNets.DEPLOY);
        Path weights = dir.resolve("tiny.caffemodel");
        TinyImages.writeTinyWeights(weights, 9);
        FineTuneConfig cfg = FineTunerTest.config(deploy, weights, dir.resolve("data")).epochs(1)
                .export(dir.resolve("export")).build();
        FineTuneResult r = FineTuner.run(cfg, new CpuBackend(2), new FineTuneListener() {});

        Net ours = NetProtos.build(Prototxt.readNet(Path.of(r.exported().get("deploy"))), Phase.TEST, new CpuBackend(2));
        NetWeights.copy(CaffeModelReader.read(Path.of(r.exported().get("caffemodel"))), ours);
        ImageTransformer transform = new ImageTransformer(cfg.evalTransform());
        int n = r.valPredictions().size();
        float[] batch = new float[n * 3 * 8 * 8];
        for (int i = 0; i < n; i++) {
            float[] chw = transform.apply(ImageDecoder.decode(Path.of((String) r.valPredictions().get(i).get("file"))), 0);
            System.arraycopy(chw, 0, batch, i * chw.length, chw.length);
        }
        Tensor input = Tensor.wrap(Shape.of(n, 3, 8, 8), batch);
        ours.forward(Map.of("data", input));
        Npy.write(dir.resolve("input.npy"), input);
        Npy.write(dir.resolve("ours.npy"), ours.blob("prob"));
        String script = """
                import sys, cv2, numpy as np
                net = cv2.dnn.readNetFromCaffe(sys.argv[1], sys.argv[2])
                net.setInput(np.load(sys.argv[3]))
                out = net.forward().reshape(-1)
                ref = np.load(sys.argv[4]).reshape(-1)
                diff = np.abs(out - ref).max()
                print("max |opencv - ours| = " + str(diff))
                sys.exit(0 if diff <= TOLERANCE * max(1.0, np.abs(ref).max()) else 1)
                """.replace("TOLERANCE", Double.toString(TOLERANCE));
        Path py = dir.resolve("check.py");
        Files.writeString(py, script);
        Process p = new ProcessBuilder("python3", py.toString(), r.exported().get("deploy"),
                r.exported().get("caffemodel"), dir.resolve("input.npy").toString(), dir.resolve("ours.npy").toString())
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertEquals(true, p.waitFor(120, TimeUnit.SECONDS), "OpenCV check timed out: " + output);
        assertEquals(0, p.exitValue(), "OpenCV disagrees: " + output);
    }
}
