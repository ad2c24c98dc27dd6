// Guardpost's own test marker: 36 ASCII bytes anywhere in a file (the tests build them in
// test/engines/antivirus/markers.ts). Written only as hex so that no file of the repository matches.
rule Guardpost_Test_Marker
{
  strings:
    $marker = { 47 55 41 52 44 50 4f 53 54 2d 41 4e 54 49 56 49 52 55 53 2d 54 45 53 54 2d 4d 41 52 4b 45 52 2d 34 44 31 46 }
  condition:
    $marker
}
