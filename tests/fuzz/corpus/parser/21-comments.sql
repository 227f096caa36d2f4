-- leading comment
SELECT /* inline ; */ a -- trailing ; comment
FROM t /* multi
line */ ;;  ; SELECT 'a;b', "semi;colon" FROM "T";