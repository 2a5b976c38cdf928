/*
 * JPEG decoding for org.cortado.image.NativeJpeg over the system's libjpeg-turbo, with the settings of OpenCV 4.6's
 * imread(IMREAD_COLOR) (modules/imgcodecs/src/grfmt_jpeg.cpp), so that the pixels are OpenCV's:
 *   - jpeg_read_header's defaults are kept: dct_method JDCT_ISLOW, do_fancy_upsampling TRUE, no scaling;
 *   - one- and three-component files are converted by libjpeg to B,G,R (OpenCV asks for JCS_RGB and swaps the bytes,
 *     or asks for JCS_EXT_BGR where libjpeg-turbo has it: the same conversion either way);
 *   - four-component files (Adobe CMYK, YCCK) are read as JCS_CMYK (libjpeg converts YCCK) and turned into B,G,R
 *     with OpenCV's formula for Adobe's inverted CMYK: R = K - ((255 - C) * K >> 8), G from M, B from Y;
 *   - Motion-JPEG frames without Huffman tables get the standard tables (libjpeg-turbo does that by itself);
 *   - warnings (corrupt data, premature end of file) do not stop decoding: the rows libjpeg could not read are
 *     filled as libjpeg fills them, as in OpenCV; errors end the decode with libjpeg's message.
 *
 * libjpeg's default error_exit calls exit(), which would end the JVM: errors longjmp back here instead and become
 * a java.io.IOException carrying libjpeg's message. Warnings go nowhere (libjpeg would print them on the process's
 * stderr, past Java's System.err); their count is returned.
 *
 * Compiled by core/src/build/native.sh against libjpeg-turbo's jpeglib.h (JCS_EXTENSIONS) and linked to libjpeg.
 */
#include <jni.h>
#include <limits.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

#if !defined(JCS_EXTENSIONS)
#error "jpeglib.h is not libjpeg-turbo's (no JCS_EXTENSIONS): libjpeg 7+ upsamples differently from OpenCV's build"
#endif

/* Rows decoded before each copy into the Java array: few JNI calls, a strip that stays in L2. */
#define STRIP_ROWS 16

/* Slots of the int[] the Java side passes for results. */
enum { INFO_HEIGHT, INFO_WIDTH, INFO_WARNINGS, INFO_COMPONENTS, INFO_LENGTH };

struct error_mgr {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
};

static void on_error(j_common_ptr cinfo) {
    struct error_mgr *err = (struct error_mgr *) cinfo->err;
    (*cinfo->err->format_message)(cinfo, err->message);
    longjmp(err->jump, 1);
}

static void on_message(j_common_ptr cinfo) {
    /* Warnings are counted by libjpeg itself (num_warnings); trace messages are not wanted. */
    (void) cinfo;
}

static void throw_io(JNIEnv *env, const char *message) {
    jclass cls = (*env)->FindClass(env, "java/io/IOException");
    if (cls != NULL) {
        (*env)->ThrowNew(env, cls, message);
    }
}

/* One decode's resources, reachable after a longjmp (locals changed after setjmp would be indeterminate). */
struct decode {
    struct jpeg_decompress_struct cinfo;
    struct error_mgr err;
    unsigned char *input;
    unsigned char *strip;
    unsigned char *bgr;
    jbyteArray out;
    int pixels_done;
};

/* Fills the Java side's int[] (see INFO_*). */
static void report(JNIEnv *env, jintArray info, struct decode *d) {
    jint result[INFO_LENGTH];
    result[INFO_HEIGHT] = (jint) d->cinfo.output_height;
    result[INFO_WIDTH] = (jint) d->cinfo.output_width;
    result[INFO_WARNINGS] = (jint) d->cinfo.err->num_warnings;
    result[INFO_COMPONENTS] = d->cinfo.num_components;
    (*env)->SetIntArrayRegion(env, info, 0, INFO_LENGTH, result);
}

static void release(struct decode *d) {
    jpeg_destroy_decompress(&d->cinfo);
    free(d->input);
    free(d->strip);
    free(d->bgr);
}

/* Adobe's inverted CMYK to B,G,R: OpenCV's icvCvt_CMYK2BGR_8u_C4C3R. */
static void cmyk_to_bgr(const unsigned char *cmyk, unsigned char *bgr, JDIMENSION width) {
    for (JDIMENSION x = 0; x < width; x++, cmyk += 4, bgr += 3) {
        int k = cmyk[3];
        bgr[2] = (unsigned char) (k - (((255 - cmyk[0]) * k) >> 8));
        bgr[1] = (unsigned char) (k - (((255 - cmyk[1]) * k) >> 8));
        bgr[0] = (unsigned char) (k - (((255 - cmyk[2]) * k) >> 8));
    }
}

/*
 * byte[] NativeJpeg.decode(byte[] jpeg, int length, int[] info): the file's first `length` bytes decoded to
 * height * width * 3 bytes B,G,R row after row; info receives height, width, the number of libjpeg warnings and the
 * number of components in the file. Throws IOException with libjpeg's message when the data does not decode.
 */
JNIEXPORT jbyteArray JNICALL Java_org_cortado_image_NativeJpeg_decode(JNIEnv *env, jclass cls, jbyteArray jpeg,
                                                                      jint length, jintArray info) {
    (void) cls;
    struct decode *d = calloc(1, sizeof *d);
    if (d == NULL) {
        throw_io(env, "out of native memory for a JPEG decoder");
        return NULL;
    }
    d->cinfo.err = jpeg_std_error(&d->err.pub);
    d->err.pub.error_exit = on_error;
    d->err.pub.output_message = on_message;
    if (setjmp(d->err.jump)) {
        /* d itself was not changed after setjmp (only what it points to), so it is still valid here. */
        jbyteArray out = NULL;
        if (d->pixels_done) {
            /* Every row was read and only jpeg_finish_decompress (the data after the last row) failed: OpenCV has
             * already taken the image at that point, so the image stands, with the error counted as a warning. */
            d->cinfo.err->num_warnings++;
            report(env, info, d);
            out = d->out;
        } else if (!(*env)->ExceptionCheck(env)) {
            throw_io(env, d->err.message);
        }
        release(d);
        free(d);
        return out;
    }
    jpeg_create_decompress(&d->cinfo);
    if (length <= 0 || length > (*env)->GetArrayLength(env, jpeg)) {
        throw_io(env, "no JPEG data");
        release(d);
        free(d);
        return NULL;
    }
    /* A copy rather than a pinned array: decoding takes milliseconds, and a critical region would stall the GC. */
    d->input = malloc((size_t) length);
    if (d->input == NULL) {
        throw_io(env, "out of native memory for the JPEG data");
        release(d);
        free(d);
        return NULL;
    }
    (*env)->GetByteArrayRegion(env, jpeg, 0, length, (jbyte *) d->input);
    jpeg_mem_src(&d->cinfo, d->input, (unsigned long) length);
    jpeg_read_header(&d->cinfo, TRUE);
    int four = d->cinfo.num_components == 4;
    d->cinfo.out_color_space = four ? JCS_CMYK : JCS_EXT_BGR;
    jpeg_start_decompress(&d->cinfo);

    JDIMENSION width = d->cinfo.output_width;
    JDIMENSION height = d->cinfo.output_height;
    size_t row_bytes = (size_t) width * 3;
    if ((unsigned long long) row_bytes * height > (unsigned long long) INT_MAX - 16) {
        snprintf(d->err.message, sizeof d->err.message, "image of %u x %u pixels is too large for a Java array",
                 (unsigned) width, (unsigned) height);
        longjmp(d->err.jump, 1);
    }
    d->out = (*env)->NewByteArray(env, (jsize) (row_bytes * height));
    if (d->out == NULL) {
        /* OutOfMemoryError is pending and is what the caller sees. */
        release(d);
        free(d);
        return NULL;
    }
    int components = d->cinfo.output_components;
    d->strip = malloc((size_t) width * components * STRIP_ROWS);
    d->bgr = four ? malloc(row_bytes * STRIP_ROWS) : NULL;
    if (d->strip == NULL || (four && d->bgr == NULL)) {
        snprintf(d->err.message, sizeof d->err.message, "out of native memory for %u-pixel rows", (unsigned) width);
        longjmp(d->err.jump, 1);
    }
    JSAMPROW rows[STRIP_ROWS];
    for (int i = 0; i < STRIP_ROWS; i++) {
        rows[i] = d->strip + (size_t) i * width * components;
    }
    while (d->cinfo.output_scanline < height) {
        JDIMENSION first = d->cinfo.output_scanline;
        JDIMENSION n = 0;
        while (n < STRIP_ROWS && d->cinfo.output_scanline < height) {
            n += jpeg_read_scanlines(&d->cinfo, rows + n, STRIP_ROWS - n);
        }
        const unsigned char *src = d->strip;
        if (four) {
            for (JDIMENSION i = 0; i < n; i++) {
                cmyk_to_bgr(rows[i], d->bgr + i * row_bytes, width);
            }
            src = d->bgr;
        }
        (*env)->SetByteArrayRegion(env, d->out, (jsize) (first * row_bytes), (jsize) (n * row_bytes),
                                   (const jbyte *) src);
    }
    d->pixels_done = 1;
    jpeg_finish_decompress(&d->cinfo);

    report(env, info, d);
    jbyteArray out = d->out;
    release(d);
    free(d);
    return out;
}

/* String NativeJpeg.headers(): which jpeglib.h this library was compiled against. */
#define CORTADO_STR2(x) #x
#define CORTADO_STR(x) CORTADO_STR2(x)

JNIEXPORT jstring JNICALL Java_org_cortado_image_NativeJpeg_headers(JNIEnv *env, jclass cls) {
    (void) cls;
#if defined(LIBJPEG_TURBO_VERSION)
    return (*env)->NewStringUTF(env, "libjpeg-turbo " CORTADO_STR(LIBJPEG_TURBO_VERSION) ", libjpeg API "
                                     CORTADO_STR(JPEG_LIB_VERSION));
#else
    return (*env)->NewStringUTF(env, "libjpeg-turbo (version not stated), libjpeg API " CORTADO_STR(JPEG_LIB_VERSION));
#endif
}
