// expect: unterminated_comment.p4:3:5: preprocessor: unterminated comment
const bit<8> a = 1;
    /* never closed
const bit<8> b = 2;
