package org.cortado.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.cortado.caffe.CaffeFormatException;
import org.cortado.caffe.MeanFile;
import org.cortado.caffe.Prototxt;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.caffe.proto.Caffe.NetStateRule;
import org.cortado.caffe.proto.Caffe;
import org.cortado.caffe.proto.Caffe.TransformationParameter;
import org.cortado.image.ResizeMode;
import org.cortado.image.TransformSpec;
import org.cortado.layers.Phase;
import org.cortado.tensor.Tensor;

/**
 * Builds {@link TransformSpec}s from Caffe's {@code transform_param}: {@code crop_size}, {@code mirror},
 * {@code mean_value} or {@code mean_file}, {@code scale}. Caffe's Data layers read images already resized into an
 * LMDB (256x256 for the BVLC models), so the resize comes from an ImageData layer's {@code new_height/new_width}
 * when present and otherwise from the caller.
 */
public final class CaffeTransforms {
    private CaffeTransforms() {
    }

    /**
     * The transform of the data layer of {@code trainVal} that runs in {@code phase} (TEST for feature extraction,
     * TRAIN for augmented training); crops are random and mirroring is on in TRAIN when the prototxt says
     * {@code mirror: true}, as in Caffe.
     *
     * @param resizeIfUnset    the resize when the layer does not fix one
     * @param meanFileOverride a mean image to use instead of the prototxt's {@code mean_file} (which usually names a
     *                         path in a Caffe checkout), or null
     * @throws CaffeFormatException naming the prototxt when it has no such data layer or its settings are unusable
     */
    public static TransformSpec fromTrainVal(Path trainVal, Phase phase, ResizeMode resizeIfUnset,
            Path meanFileOverride) {
        NetParameter net = Prototxt.readNet(trainVal);
        List<String> seen = new ArrayList<>();
        for (LayerParameter layer : net.getLayerList()) {
            if (!layer.hasTransformParam()) {
                continue;
            }
            seen.add(layer.getName() + " (" + layer.getType() + ")");
            if (!runsIn(layer, phase)) {
                continue;
            }
            ResizeMode resize = resizeIfUnset;
            if (layer.hasImageDataParam() && layer.getImageDataParam().getNewHeight() > 0
                    && layer.getImageDataParam().getNewWidth() > 0) {
                resize = new ResizeMode.Fixed(layer.getImageDataParam().getNewHeight(),
                        layer.getImageDataParam().getNewWidth());
            }
            String where = trainVal + ": layer '" + layer.getName() + "'";
            TransformSpec spec = fromTransformParam(layer.getTransformParam(), resize, trainVal.toAbsolutePath()
                    .getParent(), meanFileOverride, where);
            return phase == Phase.TRAIN ? spec : spec.deterministic();
        }
        throw new CaffeFormatException(trainVal + ": no data layer with a transform_param runs in phase " + phase
                + (seen.isEmpty() ? " (the net has none)" : "; layers with one: " + seen));
    }

    /**
     * A spec from one {@code transform_param}: the crop is random (and mirroring on) exactly when Caffe's TRAIN phase
     * would make it so; call {@link TransformSpec#deterministic()} for evaluation.
     *
     * @param baseDir          where a relative {@code mean_file} is looked for first (the prototxt's folder)
     * @param meanFileOverride a mean image to use instead of {@code mean_file}, or null
     * @param where            names the source in errors
     */
    static TransformSpec fromTransformParam(TransformationParameter p, ResizeMode resize, Path baseDir,
            Path meanFileOverride, String where) {
        if (p.getForceGray()) {
            throw new CaffeFormatException(where + ": force_gray is not supported (nets here take 3-channel BGR)");
        }
        float[] means = new float[p.getMeanValueCount()];
        for (int i = 0; i < means.length; i++) {
            means[i] = p.getMeanValue(i);
        }
        Tensor meanImage = null;
        if (meanFileOverride != null) {
            meanImage = MeanFile.read(meanFileOverride);
            means = new float[0];
        } else if (p.hasMeanFile()) {
            if (means.length > 0) {
                throw new CaffeFormatException(where + ": gives both mean_file and mean_value; Caffe accepts one");
            }
            meanImage = MeanFile.read(locate(p.getMeanFile(), baseDir, where));
        }
        int crop = p.getCropSize();
        try {
            return new TransformSpec(resize, crop, crop, crop > 0, p.getMirror(), means, meanImage, p.getScale());
        } catch (IllegalArgumentException e) {
            throw new CaffeFormatException(where + ": " + e.getMessage(), e);
        }
    }

    /** Caffe's NetState filtering for a phase: any include rule must match, no exclude rule may. */
    static boolean runsIn(LayerParameter layer, Phase phase) {
        Caffe.Phase caffePhase = Caffe.Phase.valueOf(phase.name());
        for (NetStateRule r : layer.getExcludeList()) {
            if (r.hasPhase() && r.getPhase() == caffePhase) {
                return false;
            }
        }
        if (layer.getIncludeCount() == 0) {
            return true;
        }
        for (NetStateRule r : layer.getIncludeList()) {
            if (!r.hasPhase() || r.getPhase() == caffePhase) {
                return true;
            }
        }
        return false;
    }

    private static Path locate(String meanFile, Path baseDir, String where) {
        Path given = Path.of(meanFile);
        List<Path> tried = new ArrayList<>();
        if (!given.isAbsolute() && baseDir != null) {
            tried.add(baseDir.resolve(given));
        }
        tried.add(given.toAbsolutePath());
        for (Path p : tried) {
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new CaffeFormatException(where + ": mean_file '" + meanFile + "' not found (looked at " + tried
                + "); give the mean image explicitly");
    }
}
