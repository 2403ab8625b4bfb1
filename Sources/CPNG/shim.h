#include <png.h>
#include <string.h>
// Nested macros Swift does not import.
static const unsigned int CPNG_FORMAT_RGB = PNG_FORMAT_RGB;
static const unsigned int CPNG_FORMAT_RGBA = PNG_FORMAT_RGBA;
static const unsigned int CPNG_FORMAT_GRAY = PNG_FORMAT_GRAY;
static const unsigned int CPNG_IMAGE_VERSION = PNG_IMAGE_VERSION;

/* The simplified API reports errors through image->message (a char array Swift imports as
   a tuple); copy it out. */
static inline void cpng_message(const png_image *image, char *out, int size) {
    snprintf(out, size, "%s", image->message);
}

/* Buffer size the simplified API needs for `image` in its current format. */
static inline size_t cpng_image_size(const png_image *image) {
    return PNG_IMAGE_SIZE(*image);
}

/* Whether the image's own format carries alpha (to read it as RGBA, then drop alpha
   as PIL's convert("RGB") does, instead of compositing onto a background). */
static inline int cpng_has_alpha(const png_image *image) {
    return (image->format & PNG_FORMAT_FLAG_ALPHA) != 0;
}
static const unsigned int CPNG_IMAGE_FLAG_16BIT_sRGB = PNG_IMAGE_FLAG_16BIT_sRGB;
