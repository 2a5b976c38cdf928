package org.cortado.image;

import java.awt.image.Raster;
import java.io.IOException;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadata;
import org.w3c.dom.Node;

/**
 * Four-channel JPEGs (Adobe CMYK and YCCK), which ImageIO's JPEG reader only gives out as raw rasters.
 *
 * <p>Adobe writes CMYK inverted (255 = no ink). libjpeg turns YCCK into such inverted CMYK, and OpenCV then takes
 * {@code R = K - ((255 - C) * K >> 8)} and likewise for G (from M) and B (from Y); this class follows both steps
 * so that these files decode to what OpenCV-based Caffe tools see. The native decoder ({@code jpeg_jni.c}) applies
 * the same formula to libjpeg's CMYK output; this class serves where that decoder is unavailable.
 */
final class Cmyk {
    /** The Adobe APP14 marker's colour transform code for YCCK. */
    private static final int ADOBE_TRANSFORM_YCCK = 2;

    /** Fraction bits of libjpeg's colour conversion. */
    private static final int SCALEBITS = 16;
    private static final long HALF = 1L << (SCALEBITS - 1);
    private static final long CR_R = fix(1.40200);
    private static final long CB_B = fix(1.77200);
    private static final long CR_G = fix(0.71414);
    private static final long CB_G = fix(0.34414);

    private Cmyk() {
    }

    /** Whether the JPEG's frame header declares four components (CMYK or YCCK). */
    static boolean isFourChannelJpeg(ImageReader reader) throws IOException {
        Node sof = find(tree(reader), "sof");
        return sof != null && "4".equals(attribute(sof, "numFrameComponents"));
    }

    /** Whether the JPEG's Adobe marker says its four channels are YCCK rather than CMYK. */
    static boolean isYcck(ImageReader reader) throws IOException {
        Node adobe = find(tree(reader), "app14Adobe");
        return adobe != null && String.valueOf(ADOBE_TRANSFORM_YCCK).equals(attribute(adobe, "transform"));
    }

    private static Node tree(ImageReader reader) throws IOException {
        IIOMetadata meta = reader.getImageMetadata(0);
        return meta == null ? null : meta.getAsTree("javax_imageio_jpeg_image_1.0");
    }

    private static String attribute(Node node, String name) {
        Node a = node.getAttributes() == null ? null : node.getAttributes().getNamedItem(name);
        return a == null ? null : a.getNodeValue();
    }

    private static Node find(Node node, String name) {
        if (node == null) {
            return null;
        }
        if (name.equals(node.getNodeName())) {
            return node;
        }
        for (Node c = node.getFirstChild(); c != null; c = c.getNextSibling()) {
            Node hit = find(c, name);
            if (hit != null) {
                return hit;
            }
        }
        return null;
    }

    /** A 4-band 8-bit raster (C,M,Y,K or Y,Cb,Cr,K) as BGR. */
    static BgrImage toBgr(Raster raster, boolean ycck) {
        int h = raster.getHeight();
        int w = raster.getWidth();
        byte[] out = new byte[BgrImage.byteCount(h, w)];
        int[] row = new int[w * 4];
        int[] cmy = new int[3];
        for (int y = 0; y < h; y++) {
            raster.getPixels(raster.getMinX(), raster.getMinY() + y, w, 1, row);
            for (int x = 0; x < w; x++) {
                int s = x * 4;
                if (ycck) {
                    yccToInvertedCmy(row[s], row[s + 1], row[s + 2], cmy);
                } else {
                    cmy[0] = row[s];
                    cmy[1] = row[s + 1];
                    cmy[2] = row[s + 2];
                }
                int k = row[s + 3];
                int o = (y * w + x) * 3;
                out[o + 2] = (byte) (k - (((255 - cmy[0]) * k) >> 8));
                out[o + 1] = (byte) (k - (((255 - cmy[1]) * k) >> 8));
                out[o] = (byte) (k - (((255 - cmy[2]) * k) >> 8));
            }
        }
        return new BgrImage(h, w, out);
    }

    /**
     * libjpeg's YCCK to CMYK step: the YCC triple decoded as JFIF YCbCr to RGB, then C = 255 - R and so on, in
     * libjpeg's fixed point (jdcolor.c: coefficients with 16 fraction bits, rounded by adding one half before the
     * shift), so that this path and the native decoder, where libjpeg does this step, agree bit for bit (rounding in
     * double instead differs by one level in about one value in 6000).
     */
    private static void yccToInvertedCmy(int yy, int cb, int cr, int[] cmy) {
        int cbc = cb - 128;
        int crc = cr - 128;
        int r = yy + (int) ((CR_R * crc + HALF) >> SCALEBITS);
        int g = yy + (int) ((-CB_G * cbc - CR_G * crc + HALF) >> SCALEBITS);
        int b = yy + (int) ((CB_B * cbc + HALF) >> SCALEBITS);
        cmy[0] = 255 - clamp(r);
        cmy[1] = 255 - clamp(g);
        cmy[2] = 255 - clamp(b);
    }

    private static long fix(double x) {
        return (long) (x * (1L << SCALEBITS) + 0.5);
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }
}
