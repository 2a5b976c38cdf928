package org.cortado.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.caffe.CaffeModelWriter;
import org.cortado.caffe.Prototxt;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.io.Npy;
import org.cortado.net.Net;
import org.cortado.net.proto.NetProtos;
import org.cortado.tensor.Tensor;
import org.cortado.testing.EveryLayerNet;
import org.cortado.testing.GradientChecker;
import org.cortado.testing.PythonOpenCv;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The acceptance net of the layers cortado took over from Caffe after its classification nets: one net, generated here
 * with random weights, that uses every one of them ({@link EveryLayerNet#NET}). Run at test time, each layer's output
 * is compared with OpenCV 4.6's dnn module where OpenCV implements the layer ({@link #OPENCV}: its Caffe importer runs
 * PReLU, ELU, Slice, Power, Exp, Log, AbsVal, BNLL, MVN, Deconvolution, Crop and Silence, and refuses or does not
 * compute the others), and elsewhere with {@link NaiveLayers} from the layer's own bottoms in our net. OpenCV's Log
 * ignores log_param (it computes ln x whatever the base, scale and shift), so log1 keeps the defaults and log2, with
 * all three set, is checked against the formula. Run in training, every parameter's gradient through the whole net is
 * checked against finite differences.
 */
class CaffeLayersAcceptanceTest {
    /**
     * OpenCV and cortado sum in different orders (its convolutions, its MVN): float rounding, relative to each value
     * and, for values that cancel, to the tensor's range.
     */
    private static final double OPENCV_REL = 1e-5;
    private static final double OPENCV_RANGE = 1e-6;
    /** The whole net's gradient check: see {@link #everyParameterGradientThroughTheWholeNet}. */
    private static final double NET_THRESHOLD = 2e-2;
    /**
     * The random stream of that check's STOCHASTIC draws: one where no draw lies within the step of its threshold. At
     * the checker's default seed one window's draw flips when prelu2's second slope moves by 1e-3, and the finite
     * difference sees that jump (0.003 in the loss; the analytic gradient agrees at every step size once it is taken
     * out), as any seed may for some element.
     */
    private static final long DRAWS = 1;

    /** The layers compared with OpenCV; the net up to the last of them is what OpenCV loads. */
    static final List<String> OPENCV = List.of("conv1", "prelu1", "elu1", "slice1", "power1", "exp1", "log1",
            "absval1", "bnll1", "concat1", "mvn1", "deconv1", "crop1", "prelu2");

    private final CpuBackend cpu = new CpuBackend(2);

    @TempDir
    Path dir;

    private static NetParameter definition() {
        NetParameter.Builder b = NetParameter.newBuilder();
        Prototxt.parseText("acceptance net", EveryLayerNet.NET, b);
        return b.build();
    }

    /** A net of {@link EveryLayerNet#NET} for {@code phase} with its parameters. */
    private Net build(Phase phase) {
        Net net = NetProtos.build(definition(), phase, cpu);
        EveryLayerNet.setParameters(net);
        return net;
    }

    @Test
    void everyLayerMatchesOpenCvOrItsNaiveReference() throws Exception {
        Net net = build(Phase.TEST);
        Map<String, Tensor> in = EveryLayerNet.inputs();
        net.forward(in);
        compareWithNaive(net);
        String python = PythonOpenCv.find();
        Assumptions.assumeTrue(python != null, "no python3 with cv2 (Debian: python3-opencv); OpenCV check skipped");
        compareWithOpenCv(net, python, in.get("data"));
    }

    /**
     * Training: every parameter (convolution, slopes, deconvolution, bias, embedding) gets its gradient through the
     * layers between it and the five losses, STOCHASTIC pooling drawing in its training form (the same draws for every
     * forward: the checker resets the random streams). A step of 1e-3, as Caffe's stochastic pooling test takes, so
     * that few draws change under it, and a threshold of {@link #NET_THRESHOLD}: each first-layer weight moves all 256
     * of conv1's outputs, and some of them cross a kink of PReLU, ELU or AbsVal (at 0) within the step, which the
     * per-layer checks skip and a net check cannot; a wrong term in a backward pass is off by far more.
     */
    @Test
    void everyParameterGradientThroughTheWholeNet() {
        Net net = build(Phase.TRAIN);
        new GradientChecker(cpu).step(1e-3).threshold(NET_THRESHOLD).seed(DRAWS)
                .checkNet(net, EveryLayerNet.inputs(), 12);
        for (String frozenOut : List.of("threshold1", "argmax1", "reduction2", "log2", "silence2")) {
            assertEquals(0, net.backwardRuns(frozenOut), frozenOut + " leads to no loss: pruned from backward");
        }
    }

    private void compareWithNaive(Net net) {
        Tensor prelu2 = top(net, "prelu2", 0);
        assertNaive(net, "pool1", NaiveLayers.stochasticPool(prelu2, 3, 2, 4, 4), 1e-5);
        assertNaive(net, "log2", LayerRun.map(top(net, "exp1", 0), v -> Math.log10(2 * v + 1)), 1e-5);
        assertNaive(net, "threshold1", LayerRun.map(top(net, "mvn1", 0), v -> v > 0.2 ? 1 : 0), 0);
        Tensor bias = net.layer("bias1").params().get(0).data();
        assertNaive(net, "bias1", NaiveLayers.bias(prelu2, bias, 3, 64), LayerRun.REL);
        Tensor bias1 = top(net, "bias1", 0);
        assertNaive(net, "tile1", NaiveLayers.tile(bias1, 2, 192, 2), 0);
        Tensor tile1 = top(net, "tile1", 0);
        assertNaive(net, "reduction1", NaiveLayers.reduction(tile1, 12, v -> v * v, 0.05), 1e-5);
        assertNaive(net, "reduction2", NaiveLayers.reduction(tile1, 2, v -> v, 1.0 / 384), 1e-5);
        assertNaive(net, "argmax1", NaiveLayers.argMax(tile1, 2, 6, 64, 2, false), 0);
        Layer embed = net.layer("embed1");
        assertNaive(net, "embed1", NaiveLayers.embed(input(net, "ids"), embed.params().get(0).data(),
                embed.params().get(1).data()), LayerRun.REL);
        Tensor red = top(net, "reduction1", 0);
        assertLoss(net, "euclidean", NaiveLayers.euclidean(red, input(net, "target")));
        double[] sce = NaiveLayers.sigmoidCrossEntropy(top(net, "pool1", 0), input(net, "t2"));
        assertLoss(net, "sigmoid_ce", sce[0] / sce[1]);
        assertLoss(net, "logistic", NaiveLayers.multinomialLogistic(top(net, "prob1", 0), input(net, "label")));
        double[] ig = NaiveLayers.infogain(red, input(net, "label"), input(net, "H"), 2, 6, 1);
        assertLoss(net, "infogain", ig[0] / ig[1]);
        Tensor ea = top(net, "slice2", 0);
        assertLoss(net, "contrastive", NaiveLayers.contrastive(ea, top(net, "slice2", 1), input(net, "sim"), 4, false));
    }

    private static Tensor top(Net net, String layer, int k) {
        return net.topsOf(net.indexOf(layer)).get(k);
    }

    private static Tensor input(Net net, String name) {
        return net.input(name);
    }

    private static void assertNaive(Net net, String layer, double[] want, double rel) {
        LayerRun.assertClose(layer, want, top(net, layer, 0), rel);
    }

    private static void assertLoss(Net net, String layer, double want) {
        assertEquals(want, top(net, layer, 0).hostData()[0], 1e-5 * Math.max(1, Math.abs(want)), layer);
    }

    /** Writes the OpenCV part's prototxt and weights, runs OpenCV, and compares every top of {@link #OPENCV}. */
    private void compareWithOpenCv(Net net, String python, Tensor data) throws IOException, InterruptedException {
        NetParameter def = definition();
        List<LayerParameter> prefix = new ArrayList<>();
        Map<String, List<Tensor>> blobs = new LinkedHashMap<>();
        for (LayerParameter l : def.getLayerList()) {
            if (!l.getName().equals("data") && !OPENCV.contains(l.getName())) {
                continue;
            }
            prefix.add(l);
            List<Tensor> params = new ArrayList<>();
            for (Param p : net.layer(l.getName()).params()) {
                params.add(p.data());
            }
            if (!params.isEmpty()) {
                blobs.put(l.getName(), params);
            }
        }
        NetParameter opencvNet = def.toBuilder().clearLayer().addAllLayer(prefix).build();
        Path deploy = dir.resolve("deploy.prototxt");
        Path model = dir.resolve("weights.caffemodel");
        CaffeModelWriter.writeDeployPrototxt(deploy, opencvNet);
        CaffeModelWriter.write(model, opencvNet, blobs);
        Path script = dir.resolve("opencv_layers.py");
        try (InputStream s = CaffeLayersAcceptanceTest.class.getResourceAsStream("opencv_layers.py")) {
            Files.copy(s, script);
        }
        Path input = dir.resolve("data.npy");
        Npy.write(input, data);
        List<String> command = new ArrayList<>(List.of(python, script.toString(), deploy.toString(), model.toString(),
                input.toString(), dir.toString()));
        command.addAll(OPENCV);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "OpenCV timed out");
        assertEquals(0, p.exitValue(), "OpenCV failed: " + output);
        for (String layer : OPENCV) {
            List<Tensor> ours = net.topsOf(net.indexOf(layer));
            for (int k = 0; k < ours.size(); k++) {
                Tensor cv = Npy.read(dir.resolve(layer + "." + k + ".npy"));
                assertEquals(ours.get(k).shape(), cv.shape(), layer + " top " + k);
                double[] want = new double[cv.count()];
                double range = 0;
                for (int i = 0; i < want.length; i++) {
                    want[i] = cv.hostData()[i];
                    range = Math.max(range, Math.abs(want[i]));
                }
                LayerRun.assertClose(layer + " top " + k + " against OpenCV", want, ours.get(k),
                        OPENCV_RANGE * Math.max(1, range), OPENCV_REL);
            }
        }
    }
}
