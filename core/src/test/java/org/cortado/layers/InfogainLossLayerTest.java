package org.cortado.layers;

import static org.cortado.testing.GradientChecker.gaussian;
import static org.cortado.testing.GradientChecker.labels;
import static org.cortado.testing.GradientChecker.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.caffe.proto.Caffe.BlobProto;
import org.cortado.caffe.proto.Caffe.BlobShape;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.cortado.testing.GradientChecker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InfogainLossLayerTest {
    private static final String DEF = "name: 'ig' type: 'InfogainLoss' bottom: 'x' bottom: 'l' bottom: 'h' "
            + "top: 'loss' ";
    private final GradientChecker checker = new GradientChecker(new CpuBackend(2));


    @Test
    void lossWithTheMatrixAsABottomOrAFile(@TempDir Path dir) throws Exception {
        Tensor x = gaussian(Shape.of(2, 3, 2), 1.0, 1);
        Tensor lab = labels(Shape.of(2, 2), 3, 2);
        lab.hostData()[1] = -1;
        Tensor h = uniform(Shape.of(3, 3), 0, 1, 3);
        double[] n = NaiveLayers.infogain(x, lab, h, 2, 3, 2);
        Tensor viaBottom = LayerRun.top(DEF + "loss_param { ignore_label: -1 }", x, lab, h);
        assertEquals(n[0] / n[1], viaBottom.hostData()[0], 1e-6);
        Path file = dir.resolve("H.binaryproto");
        BlobProto.Builder blob = BlobProto.newBuilder().setShape(BlobShape.newBuilder().addDim(1).addDim(1).addDim(3)
                .addDim(3));
        for (float v : h.hostData()) {
            blob.addData(v);
        }
        Files.write(file, blob.build().toByteArray());
        Tensor viaFile = LayerRun.top("type: 'InfogainLoss' bottom: 'x' bottom: 'l' top: 'loss' loss_param { "
                + "ignore_label: -1 normalization: FULL } infogain_loss_param { source: '" + file + "' }", x, lab);
        assertEquals(n[0] / 4, viaFile.hostData()[0], 1e-6);
    }

    @Test
    void gradient() {
        Tensor lab = labels(Shape.of(3), 4, 4);
        checker.onlyTop(0).check(DEF + "top: 'prob'", gaussian(Shape.of(3, 4), 1.0, 5), lab,
                uniform(Shape.of(4, 4), 0, 2, 6));
        Tensor spatial = labels(Shape.of(2, 1, 3), 3, 7);
        spatial.hostData()[2] = 5;
        new GradientChecker(new CpuBackend(2)).check(DEF + "loss_param { ignore_label: 5 }",
                gaussian(Shape.of(2, 3, 3), 1.0, 8), spatial, uniform(Shape.of(3, 3), 0, 1, 9));
    }

    @Test
    void refusesWhatCaffeRefuses() {
        Tensor x = gaussian(Shape.of(2, 3), 1.0, 10);
        Tensor lab = labels(Shape.of(2), 3, 11);
        var wrongH = assertThrows(NetDefinitionException.class, () -> LayerRun.top(DEF, x, lab,
                uniform(Shape.of(2, 3), 0, 1, 12)));
        assertTrue(wrongH.getMessage().startsWith("layer 'ig' (InfogainLoss): the infogain matrix (bottom 2) holds 6"),
                wrongH.getMessage());
        assertThrows(NetDefinitionException.class, () -> LayerRun.top(DEF + "loss_param { normalize: true }", x, lab,
                uniform(Shape.of(3, 3), 0, 1, 13)));
        assertThrows(NetDefinitionException.class, () -> LayerRun.top("type: 'InfogainLoss' bottom: 'x' bottom: 'l' "
                + "top: 'loss'", x, lab));
        var badLabel = assertThrows(NetDefinitionException.class, () -> LayerRun.top(DEF, x,
                Tensor.wrap(Shape.of(2), new float[] {0, 3}), uniform(Shape.of(3, 3), 0, 1, 14)));
        assertTrue(badLabel.getMessage().contains("label 3.0 at position 1"), badLabel.getMessage());
    }
}
