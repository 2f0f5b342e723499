# Generated data tables of the moderation module (core/moderation/gen_tables.mjs):
# traditional → simplified from Debian's OpenCC dictionaries, the demo
# formulary and the sound-alike variants of high-risk words. Written into the
# build tree on every toolchain (the same tables in the native core and the
# .wasm); nothing generated is committed.
find_program(CARECIRCLE_NODE node REQUIRED NO_CMAKE_FIND_ROOT_PATH)
find_program(CARECIRCLE_OPENCC_DICT opencc_dict REQUIRED NO_CMAKE_FIND_ROOT_PATH)
set(CARECIRCLE_OPENCC_DIR /usr/share/opencc CACHE PATH "OpenCC dictionaries (*.ocd2)")
set(_mod_dir ${CMAKE_CURRENT_SOURCE_DIR}/moderation)
set(_mod_gen ${CMAKE_CURRENT_BINARY_DIR}/moderation_generated)
add_custom_command(
  OUTPUT ${_mod_gen}/moderation_folding.inc ${_mod_gen}/moderation_lexicon.inc
  COMMAND ${CARECIRCLE_NODE} ${_mod_dir}/gen_tables.mjs
          --opencc-dict ${CARECIRCLE_OPENCC_DICT} --opencc-dir ${CARECIRCLE_OPENCC_DIR}
          --out ${_mod_gen}
  DEPENDS ${_mod_dir}/gen_tables.mjs ${_mod_dir}/data/demo_formulary.tsv
          ${_mod_dir}/data/homophone_words.tsv
          ${CARECIRCLE_OPENCC_DIR}/TSCharacters.ocd2
  COMMENT "Generating moderation tables (OpenCC, formulary, sound-alikes)"
  VERBATIM)
target_sources(carecircle_moderation PRIVATE
  ${_mod_gen}/moderation_folding.inc ${_mod_gen}/moderation_lexicon.inc)
target_include_directories(carecircle_moderation PRIVATE ${_mod_gen})
