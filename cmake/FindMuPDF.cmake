# FindMuPDF: Debian's libmupdf-dev ships static libraries and a .pc file that
# declares none of their dependencies (and a wrong version). Link them by hand.
find_path(MUPDF_INCLUDE_DIR mupdf/fitz.h)
find_library(MUPDF_LIB NAMES libmupdf.a mupdf)
find_library(MUPDF_THIRD_LIB NAMES libmupdf-third.a mupdf-third)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(MuPDF DEFAULT_MSG MUPDF_LIB MUPDF_THIRD_LIB
    MUPDF_INCLUDE_DIR)
if(MuPDF_FOUND AND NOT TARGET MuPDF::MuPDF)
  add_library(MuPDF::MuPDF INTERFACE IMPORTED)
  set_target_properties(MuPDF::MuPDF PROPERTIES
      INTERFACE_INCLUDE_DIRECTORIES "${MUPDF_INCLUDE_DIR}"
      INTERFACE_LINK_LIBRARIES
      "${MUPDF_LIB};${MUPDF_THIRD_LIB};mujs;gumbo;openjp2;jbig2dec;jpeg;harfbuzz;freetype;z;m")
endif()
