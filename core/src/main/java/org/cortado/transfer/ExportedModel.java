package org.cortado.transfer;

import java.nio.file.Path;
import java.util.Map;
import org.cortado.backend.Backend;
import org.cortado.layers.Phase;
import org.cortado.net.LoadedNet;
import org.cortado.net.Net;
import org.cortado.tensor.Tensor;

/**
 * An exported classifier ({@link HeadExport}) read back through the Caffe-format reader, as any user of the files
 * would load it: for checking that the export predicts what the head predicted.
 */
public final class ExportedModel {
    private final Net net;
    private final InputRecipe input;
    private final String inputBlob;

    private ExportedModel(Net net, InputRecipe input) {
        this.net = net;
        this.input = input;
        this.inputBlob = net.inputNames().get(0);
    }

    /** Reads {@code dir}'s deploy prototxt and caffemodel; {@code input} is the recipe the codes were made with. */
    public static ExportedModel load(Path dir, InputRecipe input, Backend backend) {
        HeadExport.Exported files = HeadExport.Exported.in(dir);
        Net net = LoadedNet.load(files.deploy(), files.caffemodel(), Phase.TEST, backend).net();
        return new ExportedModel(net, input);
    }

    /**
     * The class probabilities of a batch of images transformed by {@link InputRecipe#loaderTransform()}.
     *
     * @return N rows of K probabilities
     */
    public float[][] probabilities(Tensor images) {
        net.forward(Map.of(inputBlob, input.netInput(images)));
        return CodeNet.rows(net.backend().download(net.output(HeadExport.PROB_LAYER)), images.shape().dim(0));
    }

    /** The class of each row: the index of its first largest value. */
    public static int[] argmax(float[][] rows) {
        int[] out = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            int best = 0;
            for (int k = 1; k < rows[i].length; k++) {
                if (rows[i][k] > rows[i][best]) {
                    best = k;
                }
            }
            out[i] = best;
        }
        return out;
    }

    public Net net() {
        return net;
    }
}
