SELECT /*! CONCAT(a) */, /*!50001 b */ "c" -- x
# y
FROM `t`.`u` WHERE x'4A' = 0x4A AND @@session.x <=> @v AND t.1e5 = .5e-3