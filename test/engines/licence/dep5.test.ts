import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dep5PathFor, parseDep5Copyright } from '../../../src/engines/licence/index.js';

/** Shaped like Debian bookworm's /usr/share/doc/libgcrypt20/copyright and tar's: header, Files, stand-alone License paragraphs. */
const COPYRIGHT = `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: libgcrypt
Upstream-Contact: gcrypt-devel@gnupg.org
Source: https://gnupg.org/ftp/gcrypt/libgcrypt/
Comment: This file is shaped like the Debian one;
 the licence texts below are shortened.

Files: *
Copyright: 1998-2023 Free Software Foundation, Inc.
 2012-2023 g10 Code GmbH
License: LGPL-2.1+

Files: doc/*
 tests/*
Copyright: 1998-2004 Free Software Foundation, Inc.
License: GPL-2+

Files: cipher/sha256-avx2-bmi2-amd64.S
 cipher/sha512-avx2-bmi2-amd64.S
Copyright: 2012, Intel Corporation
License: BSD-3-clause

Files: build-aux/ltmain.sh
Copyright: 1996-2015 Free Software Foundation, Inc.
License: GPL-2+ with Libtool exception

Files: random/jitterentropy*
Copyright: 2014-2020 Stephan Mueller <smueller@chronox.de>
License: BSD-3-clause or GPL-2

Files: debian/*
Copyright: 2001-2023 Debian GnuTLS Maintainers
License: LGPL-2.1+

License: LGPL-2.1+
 This library is free software; you can redistribute it and/or
 modify it under the terms of the GNU Lesser General Public
 License as published by the Free Software Foundation; either
 version 2.1 of the License, or (at your option) any later version.
 .
 On Debian systems, the full text of the GNU Lesser General Public
 License version 2.1 can be found in the file
 \`/usr/share/common-licenses/LGPL-2.1'.

License: GPL-2+
 This program is free software; you can redistribute it and/or modify
 it under the terms of the GNU General Public License as published by
 the Free Software Foundation; either version 2, or (at your option)
 any later version.
 .
 On Debian systems, the complete text of the GNU General Public License
 version 2 can be found in \`/usr/share/common-licenses/GPL-2'.

License: BSD-3-clause
 Redistribution and use in source and binary forms, with or without
 modification, are permitted provided that the following conditions are met:
 .
 License: this line is part of the text, not a field
`;

describe('parseDep5Copyright', () => {
  it('combines the Files paragraphs of a real-world-shaped Debian copyright file', () => {
    assert.deepEqual(parseDep5Copyright(COPYRIGHT), {
      expression:
        'LGPL-2.1-or-later AND GPL-2.0-or-later AND BSD-3-Clause AND GPL-2.0-or-later WITH Libtool-exception AND (BSD-3-Clause OR GPL-2.0-only)',
      licenses: ['LGPL-2.1-or-later', 'GPL-2.0-or-later', 'BSD-3-Clause', 'GPL-2.0-or-later WITH Libtool-exception', 'BSD-3-Clause OR GPL-2.0-only'],
    });
  });

  it('reads CRLF files and uses the header License when no Files paragraph has one', () => {
    const text = 'Format: http://dep.debian.net/deps/dep5\r\nUpstream-Name: x\r\nLicense: Expat\r\n';
    assert.deepEqual(parseDep5Copyright(text), { expression: 'MIT', licenses: ['MIT'] });
  });

  it('returns null for a copyright file that is not machine-readable', () => {
    const text = 'This is the Debian prepackaged version of zlib.\n\nCopyright: (C) 1995-2013 Jean-loup Gailly and Mark Adler\nLicense: Zlib\n';
    assert.equal(parseDep5Copyright(text), null);
    assert.equal(parseDep5Copyright(''), null);
    assert.equal(parseDep5Copyright('Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nCopyright: x\n'), null);
  });

  it('knows where dpkg puts the file', () => assert.equal(dep5PathFor('libgcrypt20'), 'usr/share/doc/libgcrypt20/copyright'));
});
